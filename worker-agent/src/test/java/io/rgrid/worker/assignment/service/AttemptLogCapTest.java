package io.rgrid.worker.assignment.service;

import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.LogStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A script that writes past the cap: the stored log and the shipped chunks stop at it, with the marker. */
class AttemptLogCapTest {

    private static final int CAP = 4096;

    @Test
    void outputPastTheCapIsNeitherStoredNorShippedAndTheLogEndsWithTheMarker(@TempDir Path dir) throws Exception {
        List<ExecutionLogChunk> shipped = new ArrayList<>();
        LogCap cap = new LogCap(CAP);
        Path file = dir.resolve("a.log");
        try (AttemptLog log = new AttemptLog(UUID.randomUUID(), 1, file, cap, shipped::add)) {
            for (int i = 0; i < 1000; i++) { // ~30 KB, far past the 4 KiB cap
                log.onOutput(i % 7 == 0 ? LogStream.STDERR : LogStream.STDOUT, "line " + i + " of the output\n");
                log.flush();
            }
            assertTrue(log.truncated());
            int chunksAtCap = shipped.size();
            log.onOutput(LogStream.STDOUT, "more after the cap\n");
            log.system("a notice after the cap");
            log.flush();
            assertEquals(chunksAtCap, shipped.size(), "nothing is shipped past the cap");
            assertEquals(Files.size(file), log.flushedLength());
            assertEquals(chunksAtCap - 1, log.lastSeq());
        }
        String stored = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(stored.getBytes(StandardCharsets.UTF_8).length <= CAP, "stored " + stored.length() + " bytes");
        assertTrue(stored.endsWith("\n" + cap.marker()), stored.substring(stored.length() - 200));
        assertEquals("[rgrid] log truncated at 4 KiB (limit rgrid.logs.max-bytes); the script kept running, "
                + "its further output was discarded\n", cap.marker());
        assertFalse(stored.contains("more after the cap"));

        // The chunks are the stored log's bytes, in order, marker last: followers see the same log.
        StringBuilder joined = new StringBuilder();
        long offset = 0;
        for (ExecutionLogChunk chunk : shipped) {
            assertEquals(offset, chunk.offset());
            offset += chunk.byteLength();
            joined.append(chunk.text());
        }
        assertEquals(stored, joined.toString());
        ExecutionLogChunk last = shipped.getLast();
        assertEquals(LogStream.SYSTEM, last.stream());
        assertTrue(last.text().endsWith(cap.marker()));
    }

    @Test
    void aLineCutMidwayStillLeavesTheMarkerOnALineOfItsOwn(@TempDir Path dir) throws Exception {
        LogCap cap = new LogCap(CAP);
        Path file = dir.resolve("b.log");
        try (AttemptLog log = new AttemptLog(UUID.randomUUID(), 1, file, cap, chunk -> { })) {
            log.onOutput(LogStream.STDOUT, "x".repeat(10_000)); // no newline at all
        }
        String stored = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(stored.startsWith("xxxx"));
        assertTrue(stored.endsWith("x\n" + cap.marker()));
        assertTrue(stored.getBytes(StandardCharsets.UTF_8).length <= CAP);
    }

    @Test
    void aLogUnderTheCapIsUntouched(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.log");
        try (AttemptLog log = new AttemptLog(UUID.randomUUID(), 1, file, new LogCap(CAP), chunk -> { })) {
            log.onOutput(LogStream.STDOUT, "hello\n");
            assertFalse(log.truncated());
        }
        assertEquals("hello\n", Files.readString(file));
    }
}
