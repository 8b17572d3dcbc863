package io.rgrid.api.execution.rest;

import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionQuery;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.service.FileNames;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Parses and checks the query parameters of {@code GET /executions}; every mistake is a 400. */
public final class ListParameters {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    private static final String CURSOR_VERSION = "1";
    private static final Pattern PROJECT = Pattern.compile("[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?");

    private ListParameters() {
    }

    public static ExecutionQuery parse(List<String> states, List<String> labels, String createdSince, String createdBefore,
                                       String limit, String cursor) {
        return parse(states, labels, createdSince, createdBefore, limit, cursor, null);
    }

    /** @param project only this project's executions (the admin's filter; a project key sees only its own anyway) */
    public static ExecutionQuery parse(List<String> states, List<String> labels, String createdSince, String createdBefore,
                                       String limit, String cursor, String project) {
        if (project != null && !PROJECT.matcher(project).matches()) {
            throw bad("project must be a project id: 1-63 lowercase letters, digits, '-' and '_'");
        }
        Set<ExecutionState> stateSet = EnumSet.noneOf(ExecutionState.class);
        for (String value : states == null ? List.<String>of() : states) {
            for (String part : value.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                try {
                    stateSet.add(ExecutionState.valueOf(part.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw bad("unknown state '" + abbreviate(part) + "'; the states are " + List.of(ExecutionState.values()));
                }
            }
        }
        Map<String, String> labelMap = new LinkedHashMap<>();
        for (String label : labels == null ? List.<String>of() : labels) {
            int eq = label.indexOf('=');
            if (eq <= 0) {
                throw bad("label filters are written key=value");
            }
            labelMap.put(label.substring(0, eq), label.substring(eq + 1));
        }
        Instant since = instant("createdSince", createdSince);
        Instant before = instant("createdBefore", createdBefore);
        int pageSize = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                pageSize = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                throw bad("limit must be a whole number from 1 to " + MAX_LIMIT);
            }
            if (pageSize < 1 || pageSize > MAX_LIMIT) {
                throw bad("limit must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        return new ExecutionQuery(project, stateSet, labelMap, since, before, cursor == null ? null : decode(cursor), pageSize);
    }

    /** Opaque to clients: base64url of "1:{created_at micros}:{id}", the last row of a page. */
    public static String cursor(ExecutionRecord last) {
        Instant at = last.createdAt();
        long micros = Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000);
        String raw = CURSOR_VERSION + ":" + micros + ":" + last.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static ExecutionQuery.Position decode(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            String[] parts = raw.split(":");
            if (parts.length != 3 || !parts[0].equals(CURSOR_VERSION) || parts[2].length() != 36) {
                throw bad("the cursor is not one this API issued");
            }
            long micros = Long.parseLong(parts[1]);
            Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
            return new ExecutionQuery.Position(at, UUID.fromString(parts[2]));
        } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
            throw bad("the cursor is not one this API issued");
        }
    }

    private static Instant instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw bad(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    private static ApiException bad(String detail) {
        return new ApiException(ErrorCode.MALFORMED_REQUEST, detail);
    }

    private static String abbreviate(String text) {
        String printable = FileNames.printable(text);
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
