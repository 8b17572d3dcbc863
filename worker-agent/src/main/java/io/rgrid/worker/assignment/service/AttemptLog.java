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
 * runs (every ~200 ms).
 */
final class AttemptLog implements OutputListener, AutoCloseable {

    private static final int MAX_CHUNK_CHARS = 16 * 1024;
    static final String SYSTEM_PREFIX = "[rgrid] ";

    private final UUID executionId;
    private final int attempt;
    private final Path file;
    private final Consumer<ExecutionLogChunk> chunks;
    private final BufferedWriter writer;
    private final StringBuilder pending = new StringBuilder();
    private LogStream pendingStream;
    private long nextSeq;
    /** UTF-8 bytes written to the file before the pending text: where the next chunk starts. */
    private long sentBytes;
    private boolean closed;

    AttemptLog(UUID executionId, int attempt, Path file, Consumer<ExecutionLogChunk> chunks) throws IOException {
        this.executionId = executionId;
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
        if (closed) {
            return;
        }
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
