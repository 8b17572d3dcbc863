package io.rgrid.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}) with RGrid's stable
 * {@code code} and, for validation failures, the offending fields.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String code, String instance,
                      List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ErrorCode code, String detail) {
        return new Problem(code.type(), code.title(), code.status(), detail, code.name(), null, List.of());
    }

    public static Problem of(ErrorCode code, String detail, List<FieldError> errors) {
        return new Problem(code.type(), code.title(), code.status(), detail, code.name(), null, errors);
    }

    public Problem withInstance(String instance) {
        return new Problem(type, title, status, detail, code, instance, errors);
    }

    /** One invalid field: where it is and what is wrong with it. */
    public record FieldError(String field, String message) {
    }
}
