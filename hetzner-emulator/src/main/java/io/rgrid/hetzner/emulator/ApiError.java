package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * An error answered in the reference's error body shape: {@code {"error":{"code","message","details"}}}.
 * Thrown anywhere in request handling; the dispatcher turns it into the response.
 */
public final class ApiError extends RuntimeException {

    private final ErrorCode code;
    private final ObjectNode details;

    public ApiError(ErrorCode code, String message, ObjectNode details) {
        super(message);
        this.code = code;
        this.details = details == null ? JsonNodeFactory.instance.objectNode() : details;
    }

    public ApiError(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ErrorCode code() {
        return code;
    }

    public ObjectNode details() {
        return details;
    }

    public int httpStatus() {
        return code.httpStatus();
    }

    /** {@code invalid_input} with {@code details.fields[{name, messages[]}]}, as the reference's example. */
    public static ApiError invalidInput(String field, String fieldMessage) {
        return invalidInput(Map.of(field, List.of(fieldMessage)));
    }

    public static ApiError invalidInput(Map<String, List<String>> fieldMessages) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        var fields = details.putArray("fields");
        StringBuilder message = new StringBuilder();
        fieldMessages.forEach((name, messages) -> {
            ObjectNode f = fields.addObject();
            f.put("name", name);
            var arr = f.putArray("messages");
            messages.forEach(arr::add);
            if (message.length() > 0) {
                message.append(", ");
            }
            message.append("invalid input in field '").append(name).append("': ").append(String.join(", ", messages));
        });
        return new ApiError(ErrorCode.INVALID_INPUT, message.toString(), details);
    }

    /** {@code uniqueness_error} with {@code details.fields[{name}]}, as the reference's example. */
    public static ApiError uniqueness(String message, String field) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.putArray("fields").addObject().put("name", field);
        return new ApiError(ErrorCode.UNIQUENESS_ERROR, message, details);
    }

    /** {@code resource_limit_exceeded} with {@code details.limits[{name}]}, as the reference's example. */
    public static ApiError limitExceeded(String message, String limitName) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.putArray("limits").addObject().put("name", limitName);
        return new ApiError(ErrorCode.RESOURCE_LIMIT_EXCEEDED, message, details);
    }

    public static ApiError notFound(String message) {
        return new ApiError(ErrorCode.NOT_FOUND, message);
    }

    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code.wire());
        error.put("message", getMessage());
        error.set("details", details);
        return root;
    }
}
