package io.rgrid.api.error;

import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;

import java.util.List;

/**
 * A failure the client should hear about as a problem+json with a stable {@link ErrorCode}.
 * Thrown anywhere below the REST layer; {@link ProblemMappers} turns it into the response.
 */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final List<Problem.FieldError> errors;
    private final long retryAfterSeconds;

    public ApiException(ErrorCode code, String detail) {
        this(code, detail, List.of(), null);
    }

    public ApiException(ErrorCode code, String detail, List<Problem.FieldError> errors) {
        this(code, detail, errors, null);
    }

    public ApiException(ErrorCode code, String detail, List<Problem.FieldError> errors, Throwable cause) {
        this(code, detail, errors, cause, 0);
    }

    private ApiException(ErrorCode code, String detail, List<Problem.FieldError> errors, Throwable cause, long retryAfterSeconds) {
        super(detail, cause);
        this.code = code;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException notFound(String detail) {
        return new ApiException(ErrorCode.NOT_FOUND, detail);
    }

    public static ApiException dependencyUnavailable(String detail, Throwable cause) {
        return new ApiException(ErrorCode.DEPENDENCY_UNAVAILABLE, detail, List.of(), cause);
    }

    /** A refusal the client may repeat after {@code seconds}: the response carries {@code Retry-After}. */
    public static ApiException retryLater(ErrorCode code, String detail, long seconds) {
        return new ApiException(code, detail, List.of(), null, seconds);
    }

    /** Seconds for the {@code Retry-After} header; 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ErrorCode code() {
        return code;
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }

    public Problem toProblem() {
        return Problem.of(code, getMessage(), errors);
    }
}
