package io.rgrid.hetzner.emulator;

import java.util.Locale;

/**
 * The error codes of the reference's error table, plus the call-specific {@code placement_error} of server creation.
 * The reference extract lists codes without HTTP statuses; the statuses are those of the live Hetzner Cloud
 * documentation's error table (the extract says the live docs win where they differ).
 */
public enum ErrorCode {
    FORBIDDEN(403),
    UNAUTHORIZED(401),
    INVALID_INPUT(400),
    JSON_ERROR(400),
    LOCKED(423),
    NOT_FOUND(404),
    RATE_LIMIT_EXCEEDED(429),
    RESOURCE_LIMIT_EXCEEDED(403),
    RESOURCE_UNAVAILABLE(403),
    SERVER_ERROR(500),
    SERVICE_ERROR(503),
    UNIQUENESS_ERROR(409),
    PROTECTED(423),
    MAINTENANCE(503),
    CONFLICT(409),
    UNSUPPORTED_ERROR(400),
    TOKEN_READONLY(403),
    UNAVAILABLE(503),
    DEPRECATED_API_ENDPOINT(410),
    TIMEOUT(504),
    /** Call-specific to server creation ("An error during the placement occurred"). */
    PLACEMENT_ERROR(412),
    /** Call-specific to firewall deletion ("Firewall still applied to a resource"). */
    RESOURCE_IN_USE(412);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code as it appears in {@code error.code}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
