package io.rgrid.model.storage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CappedInputStreamTest {

    private static final byte[] DATA = "0123456789abcdefghij".getBytes();

    @ParameterizedTest(name = "limit {0}, skip {1} -> {2} bytes")
    @CsvSource({
            "0,   0, 0",
            "-5,  0, 0",
            "7,   0, 7",
            "20,  0, 20",
            "100, 0, 20",
            "7,   3, 4",
            "7,   9, 0",
    })
    void noByteIsReadPastTheLimit(long limit, long skip, int expected) throws IOException {
        try (InputStream in = new CappedInputStream(new ByteArrayInputStream(DATA), limit)) {
            long skipped = in.skip(skip);
            byte[] bulk = in.readAllBytes();
            assertEquals(expected, bulk.length);
            assertArrayEquals(Arrays.copyOfRange(DATA, (int) skipped, (int) skipped + expected), bulk);
            assertEquals(-1, in.read());
        }
        try (InputStream in = new CappedInputStream(new ByteArrayInputStream(DATA), limit)) {
            in.skip(skip);
            int n = 0;
            while (in.read() >= 0) {
                n++;
            }
            assertEquals(expected, n, "one byte at a time");
        }
    }
}
