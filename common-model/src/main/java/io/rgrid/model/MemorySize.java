package io.rgrid.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses memory sizes as Docker writes them ({@code 512m}, {@code 2g}, {@code 1024k}) or plain MiB. */
public final class MemorySize {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,9})([kmg]?)(?:i?b)?");

    private MemorySize() {
    }

    /**
     * @return the size in MiB, rounded up
     * @throws IllegalArgumentException with a message that shows an accepted form
     */
    public static int parseMb(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("memory is empty; write it like 512m, 2g or a number of MiB");
        }
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("memory '" + text + "' is not a size; write it like 512m, 2g or a number of MiB");
        }
        long value = Long.parseLong(m.group(1));
        long mb = switch (m.group(2)) {
            case "k" -> (value + 1023) / 1024;
            case "g" -> value * 1024;
            default -> value; // "m" or a bare number of MiB
        };
        if (mb > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("memory '" + text + "' is too large");
        }
        return (int) mb;
    }

    /**
     * Writes a size of MiB the way {@link #parseMb} reads it and the CLI's {@code --memory} takes it:
     * whole GiB as {@code 4g}, anything else as {@code 512m}.
     */
    public static String format(int mb) {
        return mb > 0 && mb % 1024 == 0 ? (mb / 1024) + "g" : mb + "m";
    }
}
