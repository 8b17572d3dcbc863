package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/** A parsed API request: method, path below {@code /v1}, multi-valued query and JSON body (null when none). */
record Request(String method, String path, List<String> segments, Map<String, List<String>> query, JsonNode body,
               String baseUrl) {

    String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    List<String> params(String name) {
        return query.getOrDefault(name, List.of());
    }

    JsonNode requireBody() {
        if (body == null || !body.isObject()) {
            throw new ApiError(ErrorCode.JSON_ERROR, "request body must be a JSON object");
        }
        return body;
    }
}
