package io.rgrid.worker.assignment.service;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogCapTest {

    /** A cap whose room for script output is exactly {@code room} bytes. */
    private static LogCap withRoom(long room) {
        long marker = new LogCap(1 << 20).marker().getBytes(StandardCharsets.UTF_8).length;
        LogCap cap = new LogCap(room + marker + 1);
        // the marker names the cap, so its length can change with it: settle on a cap whose room is `room`
        long actual = cap.maxBytes() - cap.marker().getBytes(StandardCharsets.UTF_8).length - 1;
        return actual == room ? cap : new LogCap(cap.maxBytes() + (room - actual));
    }

    @ParameterizedTest(name = "room {0}, written {1}, \"{2}\" -> {3} chars fit")
    @CsvSource(delimiter = '|', textBlock = """
            10 | 0  | hello      | 5
            10 | 5  | hello      | 5
            10 | 6  | hello      | 4
            10 | 10 | hello      | 0
            10 | 12 | hello      | 0
            10 | 7  | aé         | 2
            10 | 8  | aé         | 1
            10 | 6  | 😀         | 2
            10 | 7  | 😀         | 0
            """)
    void howMuchFits(long room, long written, String text, int fitting) {
        assertEquals(fitting, withRoom(room).fitting(written, text));
    }

    @ParameterizedTest(name = "{0} bytes is said as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            67108864 | 64 MiB
            524288   | 512 KiB
            1000     | 1000 bytes
            1048577  | 1048577 bytes
            """)
    void theCapIsSaidAsAPersonWould(long bytes, String said) {
        assertEquals(said, LogCap.size(bytes));
        assertTrue(new LogCap(bytes).marker().contains("log truncated at " + said + " (limit rgrid.logs.max-bytes)"));
    }
}
