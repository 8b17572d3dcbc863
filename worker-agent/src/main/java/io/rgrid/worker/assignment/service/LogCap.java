package io.rgrid.worker.assignment.service;

import java.nio.charset.StandardCharsets;

/**
 * The per-attempt log cap ({@code rgrid.logs.max-bytes}): the stored log, the marker line
 * included, is never longer than the cap. Decides how much of a piece of output still fits and
 * words the marker that ends a cut log. Pure: {@code LogCapTest} holds the table.
 */
final class LogCap {

    private static final long MIB = 1024L * 1024;
    private static final long KIB = 1024L;

    private final long maxBytes;
    private final String marker;
    /** Bytes of script output that fit: the cap less the marker and the newline that may precede it. */
    private final long room;

    LogCap(long maxBytes) {
        this.maxBytes = maxBytes;
        this.marker = AttemptLog.SYSTEM_PREFIX + "log truncated at " + size(maxBytes)
                + " (limit rgrid.logs.max-bytes); the script kept running, its further output was discarded\n";
        this.room = Math.max(0, maxBytes - marker.getBytes(StandardCharsets.UTF_8).length - 1);
    }

    long maxBytes() {
        return maxBytes;
    }

    /** The line that ends a cut log. */
    String marker() {
        return marker;
    }

    /**
     * How many chars of {@code text} fit after {@code written} bytes: {@code text.length()} when all
     * of it does, fewer (never splitting a character) when the log must be cut after them.
     */
    int fitting(long written, String text) {
        long left = room - written;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int bytes = utf8Length(cp);
            if (bytes > left) {
                return i;
            }
            left -= bytes;
            i += Character.charCount(cp);
        }
        return i;
    }

    /** {@code 64 MiB}, {@code 512 KiB} or {@code 1000 bytes}: how a person would say the cap. */
    static String size(long bytes) {
        if (bytes >= MIB && bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes >= KIB && bytes % KIB == 0) {
            return bytes / KIB + " KiB";
        }
        return bytes + " bytes";
    }

    private static int utf8Length(int codePoint) {
        if (codePoint < 0x80) {
            return 1;
        }
        if (codePoint < 0x800) {
            return 2;
        }
        return codePoint < 0x10000 ? 3 : 4;
    }
}
