package io.rgrid.model.api;

import java.util.Locale;

/**
 * Stable error codes of the HTTP APIs (the {@code code} member of every problem+json body).
 * Clients may switch on them; the titles are for people.
 */
public enum ErrorCode {
    UNAUTHENTICATED(401, "Missing or invalid API key"),
    FORBIDDEN(403, "Not allowed"),
    NOT_FOUND(404, "Not found"),
    /** An attempt that ended has no stored log (it never ran, or its worker could not store it). */
    LOG_NOT_STORED(404, "Log not stored"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    CONFLICT(409, "Conflict"),
    INVALID_STATE(409, "Not possible in the current state"),
    PAYLOAD_TOO_LARGE(413, "Payload too large"),
    /** A {@code Range} that starts at or past the end of what is stored. */
    RANGE_NOT_SATISFIABLE(416, "Range not satisfiable"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    /**
     * Too many failed logins or failed bearer authentications from this client address or with
     * this key; the response's {@code Retry-After} says when to try again.
     */
    TOO_MANY_AUTH_FAILURES(429, "Too many failed authentications"),
    MALFORMED_REQUEST(400, "Malformed request"),
    MISSING_PART(400, "Missing part"),
    INVALID_FILE_NAME(400, "Invalid file name"),
    INVALID_SPEC(422, "Invalid execution spec"),
    /** No machine type the grid may run can hold the requested CPUs and memory; the detail names the largest. */
    UNSCHEDULABLE(422, "No allowed machine can run it"),
    /** The key already has {@code rgrid.streams.max-per-key} event streams open; answered with {@code Retry-After}. */
    TOO_MANY_STREAMS(429, "Too many open streams"),
    CAPACITY_EXHAUSTED(503, "No capacity"),
    DEPENDENCY_UNAVAILABLE(503, "A dependency is unavailable"),
    INTERNAL(500, "Internal error");

    private final int status;
    private final String title;

    ErrorCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The problem {@code type} URI for this code. */
    public String type() {
        return "https://rgrid.dev/problems/" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
