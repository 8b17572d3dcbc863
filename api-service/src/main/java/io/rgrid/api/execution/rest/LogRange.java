package io.rgrid.api.execution.rest;

import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ErrorCode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one {@code Range} form the log endpoint takes: {@code bytes=N-}, the log from byte N on,
 * which is what a follower that printed N bytes needs. Anything else is refused, not ignored, so a
 * client never mistakes a whole log for the part it asked for.
 */
final class LogRange {

    private static final Pattern OPEN_ENDED = Pattern.compile("bytes=(\\d{1,18})-");

    private LogRange() {
    }

    /** @return the first byte asked for; 0 without a Range header */
    static long parseStart(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        Matcher m = OPEN_ENDED.matcher(header.strip());
        if (!m.matches()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST,
                    "Range '" + header.strip() + "' is not supported; the log takes one open range, bytes=N-");
        }
        return Long.parseLong(m.group(1));
    }
}
