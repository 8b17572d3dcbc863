package io.rgrid.api.execution.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.Json;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem.FieldError;
import io.rgrid.model.api.SubmitSpec;

import java.util.List;
import java.util.Map;

/**
 * The spec part of a submission, read strictly (pure): a misspelt field, a value of the wrong
 * type or trailing text is an {@code INVALID_SPEC} naming the field, anything that is not a JSON
 * object a {@code MALFORMED_REQUEST}. Unlike the event codec, nothing is silently defaulted.
 */
final class SpecParser {

    private static final ObjectMapper SPEC_READER = Json.configure(new ObjectMapper())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private SpecParser() {
    }

    /** The spec, {@link SubmitSpec#empty()} for an absent, blank or {@code null} part. */
    static SubmitSpec parse(String json) {
        if (json == null || json.isBlank()) {
            return SubmitSpec.empty();
        }
        try {
            SubmitSpec spec = SPEC_READER.readValue(json, SubmitSpec.class);
            return spec == null ? SubmitSpec.empty() : spec;
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: unknown field '" + field + "'",
                    List.of(new FieldError(field, "unknown field; known fields: " + e.getKnownPropertyIds())));
        } catch (MismatchedInputException e) {
            String field = path(e);
            if (field.isEmpty()) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part must be a JSON object");
            }
            String message = e.getTargetType() == null ? "has the wrong type"
                    : "must be " + describe(e.getTargetType());
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: " + field + " " + message,
                    List.of(new FieldError(field, message)));
        } catch (JsonMappingException e) {
            String field = path(e);
            String message = e.getOriginalMessage();
            if (field.isEmpty()) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part is not a valid spec: " + message);
            }
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: " + field + ": " + message,
                    List.of(new FieldError(field, message)));
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return type == Integer.class || type == int.class ? "a whole number" : "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list of strings";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object of string values";
        }
        return "a " + type.getSimpleName();
    }
}
