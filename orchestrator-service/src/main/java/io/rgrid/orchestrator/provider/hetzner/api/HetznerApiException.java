package io.rgrid.orchestrator.provider.hetzner.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An error answer of the Hetzner Cloud API: its HTTP status, Hetzner's error {@code code}
 * ({@code resource_unavailable}, {@code uniqueness_error}, ...), message and details, plus the
 * rate-limit headers of that answer. Built only from the response: it never holds the request,
 * so the token cannot end up in a message or a log line.
 */
public class HetznerApiException extends RuntimeException {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final int status;
    private final String code;
    private final ApiModel.ErrorDetails details;
    private final RateLimitHeaders rateLimit;

    public HetznerApiException(int status, String code, String message, ApiModel.ErrorDetails details,
                               RateLimitHeaders rateLimit) {
        super(describe(status, code, message, details));
        this.status = status;
        this.code = code;
        this.details = details;
        this.rateLimit = rateLimit;
    }

    static HetznerApiException from(Response response) {
        RateLimitHeaders limits = RateLimitHeaders.of(response::getHeaderString);
        String body = null;
        try {
            body = response.readEntity(String.class);
            ApiModel.ErrorResponse parsed = JSON.readValue(body, ApiModel.ErrorResponse.class);
            if (parsed != null && parsed.error() != null && parsed.error().code() != null) {
                return new HetznerApiException(response.getStatus(), parsed.error().code(), parsed.error().message(),
                        parsed.error().details(), limits);
            }
        } catch (Exception e) {
            // Not Hetzner's error body (a proxy's page, an empty answer): the status says enough.
        }
        return new HetznerApiException(response.getStatus(), "http_" + response.getStatus(),
                body == null || body.isBlank() ? "no error body" : abbreviate(body), null, limits);
    }

    private static String abbreviate(String body) {
        String flat = body.replaceAll("\\s+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }

    private static String describe(int status, String code, String message, ApiModel.ErrorDetails details) {
        StringBuilder out = new StringBuilder("Hetzner API ").append(status).append(' ').append(code);
        if (message != null && !message.isBlank()) {
            out.append(": ").append(message);
        }
        if (details != null && details.fields() != null && !details.fields().isEmpty()) {
            out.append(" (").append(details.fields().stream()
                    .map(f -> f.name() + (f.messages() == null || f.messages().isEmpty() ? ""
                            : ": " + String.join(", ", f.messages())))
                    .collect(Collectors.joining("; "))).append(')');
        }
        if (details != null && details.limits() != null && !details.limits().isEmpty()) {
            out.append(" (limits: ").append(details.limits().stream().map(ApiModel.LimitError::name)
                    .collect(Collectors.joining(", "))).append(')');
        }
        return out.toString();
    }

    public int status() {
        return status;
    }

    /** Hetzner's error code, or {@code http_<status>} when the body was not Hetzner's. */
    public String code() {
        return code;
    }

    public ApiModel.ErrorDetails details() {
        return details;
    }

    /** The names of the fields an {@code invalid_input} or {@code uniqueness_error} is about. */
    public List<String> fieldNames() {
        return details == null || details.fields() == null ? List.of()
                : details.fields().stream().map(ApiModel.FieldError::name).toList();
    }

    public RateLimitHeaders rateLimit() {
        return rateLimit;
    }

    public boolean is(String errorCode) {
        return errorCode.equals(code);
    }
}
