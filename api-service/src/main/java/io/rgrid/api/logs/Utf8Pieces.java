package io.rgrid.api.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads UTF-8 text in pieces that end on character boundaries, telling each piece's byte length. */
final class Utf8Pieces {
    private final InputStream in;
    private final byte[] buffer;
    private int carried;
    private long lastBytes;

    Utf8Pieces(InputStream in, int pieceBytes) {
        this.in = in;
        this.buffer = new byte[pieceBytes];
    }

    /** The next piece, or null at the end. */
    String next() throws IOException {
        int n = carried;
        int read;
        while (n < buffer.length && (read = in.read(buffer, n, buffer.length - n)) > 0) {
            n += read;
        }
        if (n == 0) {
            return null;
        }
        int end = n == buffer.length ? characterBoundary(buffer, n) : n;
        String text = StandardCharsets.UTF_8.newDecoder()
                .decode(ByteBuffer.wrap(buffer, 0, end)).toString();
        carried = n - end;
        System.arraycopy(buffer, end, buffer, 0, carried);
        lastBytes = end;
        return text;
    }

    long lastBytes() {
        return lastBytes;
    }

    /** The last position at or before {@code n} that does not split a UTF-8 sequence. */
    static int characterBoundary(byte[] bytes, int n) {
        int i = n;
        while (i > 0 && i > n - 4 && (bytes[i - 1] & 0xC0) == 0x80) {
            i--; // continuation bytes
        }
        if (i > 0 && (bytes[i - 1] & 0x80) != 0) {
            int lead = bytes[i - 1] & 0xFF;
            int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            return (n - (i - 1)) >= length ? n : i - 1; // a complete sequence, or cut before its lead byte
        }
        return n;
    }
}
