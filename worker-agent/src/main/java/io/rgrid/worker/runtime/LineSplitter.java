package io.rgrid.worker.runtime;

import io.rgrid.model.event.LogStream;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns one stream's byte chunks (which split lines and even UTF-8 sequences anywhere) into
 * whole lines for an {@link OutputListener}. Not thread-safe: one per stream.
 */
public final class LineSplitter {

    /** A line longer than this is passed on in pieces, so one endless line cannot exhaust memory. */
    private static final int MAX_LINE = 64 * 1024;

    private final LogStream stream;
    private final OutputListener listener;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final StringBuilder line = new StringBuilder();
    private ByteBuffer leftover = ByteBuffer.allocate(0);

    public LineSplitter(LogStream stream, OutputListener listener) {
        this.stream = stream;
        this.listener = listener;
    }

    public void accept(byte[] bytes, int offset, int length) {
        ByteBuffer in = ByteBuffer.allocate(leftover.remaining() + length);
        in.put(leftover).put(bytes, offset, length).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        leftover = in.slice();
        out.flip();
        while (out.hasRemaining()) {
            char c = out.get();
            line.append(c);
            if (c == '\n' || line.length() >= MAX_LINE) {
                emit();
            }
        }
    }

    /** Passes on what is left at the end of the stream. */
    public void finish() {
        if (leftover.hasRemaining()) {
            CharBuffer out = CharBuffer.allocate(leftover.remaining() + 1);
            decoder.decode(leftover, out, true);
            out.flip();
            line.append(out);
            leftover = ByteBuffer.allocate(0);
        }
        emit();
    }

    private void emit() {
        if (!line.isEmpty()) {
            listener.onOutput(stream, line.toString());
            line.setLength(0);
        }
    }
}
