package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The reference's label key and value rules ("Labels" section). */
public final class Labels {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String RESERVED_PREFIX = "hetzner.cloud/";

    private Labels() {
    }

    public static boolean validKey(String key) {
        if (key == null || key.isEmpty()) {
            return false;
        }
        int slash = key.indexOf('/');
        String name = key;
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253) {
                return false;
            }
            for (String label : prefix.split("\\.", -1)) {
                if (label.length() > 63 || !DNS_LABEL.matcher(label).matches()) {
                    return false;
                }
            }
        }
        return name.length() <= 63 && NAME.matcher(name).matches();
    }

    public static boolean validValue(String value) {
        return value != null && value.length() <= 63 && (value.isEmpty() || NAME.matcher(value).matches());
    }

    /**
     * Parses a request's {@code labels} object, rejecting what the reference forbids.
     *
     * @throws ApiError invalid_input naming the field {@code labels}
     */
    public static Map<String, String> parse(JsonNode node) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return labels;
        }
        if (!node.isObject()) {
            throw ApiError.invalidInput("labels", "must be an object");
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String key = e.getKey();
            if (!e.getValue().isTextual()) {
                throw ApiError.invalidInput("labels", "label value of '" + key + "' must be a string");
            }
            String value = e.getValue().asText();
            if (key.startsWith(RESERVED_PREFIX)) {
                throw ApiError.invalidInput("labels", "label key '" + key + "' uses the reserved prefix hetzner.cloud/");
            }
            if (!validKey(key)) {
                throw ApiError.invalidInput("labels", "invalid label key '" + key + "'");
            }
            if (!validValue(value)) {
                throw ApiError.invalidInput("labels", "invalid label value '" + value + "'");
            }
            labels.put(key, value);
        }
        return labels;
    }
}
