package io.rgrid.worker.assignment.service;

import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.runtime.OutputListener;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One attempt's output: written in arrival order (stdout and stderr interleaved) to a file that
 * becomes the stored log, and cut into numbered chunks for live following. A chunk holds text of
 * one stream; it is sent when the stream changes, when it grows large, or when {@link #flush}
 * runs (every ~200 ms). The log is capped ({@link LogCap}): output past the cap is discarded, not
 * shipped, and the log ends with the cap's marker line (stream {@code SYSTEM}); the script keeps
 * running.
 */
final class AttemptLog implements OutputListener, AutoCloseable {

    private static final int MAX_CHUNK_CHARS = 16 * 1024;
    static final String SYSTEM_PREFIX = "[rgrid] ";

    private final UUID executionId;
    private final int attempt;
    private final Path file;
    private final Consumer<ExecutionLogChunk> chunks;
    private final LogCap cap;
    private final BufferedWriter writer;
    private final StringBuilder pending = new StringBuilder();
    private LogStream pendingStream;
    private long nextSeq;
    /** UTF-8 bytes written to the file before the pending text: where the next chunk starts. */
    private long sentBytes;
    /** UTF-8 bytes written to the file, pending text included. */
    private long writtenBytes;
    private boolean endsWithNewline = true;
    private boolean truncated;
    private boolean closed;

    AttemptLog(UUID executionId, int attempt, Path file, LogCap cap, Consumer<ExecutionLogChunk> chunks) throws IOException {
        this.executionId = executionId;
        this.cap = cap;
        this.attempt = attempt;
        this.file = file;
        this.chunks = chunks;
        Files.createDirectories(file.getParent());
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    Path file() {
        return file;
    }

    /** A line from the agent itself, e.g. why the attempt failed before the script ran. */
    void system(String line) {
        onOutput(LogStream.SYSTEM, SYSTEM_PREFIX + line + "\n");
    }

    @Override
    public synchronized void onOutput(LogStream stream, String text) {
        if (closed || truncated || text.isEmpty()) {
            return;
        }
        int fitting = cap.fitting(writtenBytes, text);
        if (fitting == text.length()) {
            append(stream, text);
            return;
        }
        if (fitting > 0) {
            append(stream, text.substring(0, fitting));
        }
        append(LogStream.SYSTEM, (endsWithNewline ? "" : "\n") + cap.marker());
        truncated = true; // everything after is discarded: neither written nor shipped
    }

    /** Whether the log was cut at the cap. */
    synchronized boolean truncated() {
        return truncated;
    }

    private void append(LogStream stream, String text) {
        writtenBytes += text.getBytes(StandardCharsets.UTF_8).length;
        endsWithNewline = text.charAt(text.length() - 1) == '\n';
        try {
            writer.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (pendingStream != stream) {
            sendPending();
            pendingStream = stream;
        }
        pending.append(text);
        if (pending.length() >= MAX_CHUNK_CHARS) {
            sendPending();
        }
    }

    synchronized void flush() {
        sendPending();
        try {
            writer.flush();
        } catch (IOException e) {
            // surfaces again on close, where the stored log is finalised
        }
    }

    /** Flushes the file and returns its length: a prefix that ends on a boundary of written text. */
    synchronized long flushedLength() throws IOException {
        if (!closed) {
            writer.flush();
        }
        return Files.size(file);
    }

    /** The seq of the last chunk sent; -1 when none was. */
    synchronized long lastSeq() {
        return nextSeq - 1;
    }

    private void sendPending() {
        if (!pending.isEmpty()) {
            ExecutionLogChunk chunk = new ExecutionLogChunk(executionId, attempt, pendingStream, nextSeq++,
                    pending.toString(), sentBytes);
            sentBytes += chunk.byteLength();
            chunks.accept(chunk);
            pending.setLength(0);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        sendPending();
        closed = true;
        writer.close();
    }
}
