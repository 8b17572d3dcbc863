package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Reading request bodies and writing response bodies the way every resource of the emulated API does. */
final class StateJson {

    static final JsonNodeFactory F = JsonNodeFactory.instance;

    private StateJson() {
    }

    /** The reference's sorting: {@code sort=field[:asc|:desc]}, repeatable, ascending by default; id breaks ties. */
    static <T> Comparator<T> sort(Request req, Map<String, Comparator<T>> fields) {
        Comparator<T> result = null;
        for (String spec : req.params("sort")) {
            String[] parts = spec.split(":", 2);
            Comparator<T> c = fields.get(parts[0]);
            if (c == null || (parts.length == 2 && !parts[1].equals("asc") && !parts[1].equals("desc"))) {
                throw ApiError.invalidInput("sort", "invalid sort '" + spec + "'");
            }
            if (parts.length == 2 && parts[1].equals("desc")) {
                c = c.reversed();
            }
            result = result == null ? c : result.thenComparing(c);
        }
        Comparator<T> byId = fields.get("id");
        return result == null ? byId : result.thenComparing(byId);
    }

    static ObjectNode wrap(String key, JsonNode value) {
        ObjectNode n = F.objectNode();
        n.set(key, value);
        return n;
    }

    static ObjectNode labelsJson(Map<String, String> labels) {
        ObjectNode n = F.objectNode();
        labels.forEach(n::put);
        return n;
    }

    static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiError.invalidInput(field, "must be a string");
        }
        return n.asText();
    }

    /** Fields the reference documents as "ID or name": a string or a number. */
    static String idOrName(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() && !n.isIntegralNumber()) {
            throw ApiError.invalidInput(field, "must be an ID or a name");
        }
        return n.asText();
    }

    static List<JsonNode> array(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw ApiError.invalidInput(field, "must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }
}
