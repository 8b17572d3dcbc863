package io.rgrid.hetzner.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference's label selector language: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k}, {@code !k},
 * {@code k in (v1,v2)}, {@code k notin (v1,v2)}, requirements joined by commas (AND).
 *
 * <p>{@code k!=v} and {@code k notin (...)} also match resources without the key: the reference's own example reads
 * {@code env=production,type!=database} as "don't have a type=database label".
 */
public final class LabelSelector implements Predicate<Map<String, String>> {

    private static final Pattern SET_EXPR = Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$");

    private final List<Predicate<Map<String, String>>> requirements;
    private final String text;

    private LabelSelector(String text, List<Predicate<Map<String, String>>> requirements) {
        this.text = text;
        this.requirements = requirements;
    }

    /** A selector that matches everything (an absent or empty {@code label_selector}). */
    public static LabelSelector all() {
        return new LabelSelector("", List.of());
    }

    /**
     * Parses a selector.
     *
     * @throws ApiError invalid_input naming the field {@code label_selector} when the text is not in the grammar
     */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return all();
        }
        List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
        for (String raw : splitTopLevel(text)) {
            reqs.add(requirement(raw.trim(), text));
        }
        return new LabelSelector(text, List.copyOf(reqs));
    }

    @Override
    public boolean test(Map<String, String> labels) {
        for (var r : requirements) {
            if (!r.test(labels)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }

    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
                if (depth > 1) {
                    throw invalid(text, "nested parentheses");
                }
            } else if (c == ')') {
                depth--;
                if (depth < 0) {
                    throw invalid(text, "unbalanced parentheses");
                }
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw invalid(text, "unbalanced parentheses");
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static Predicate<Map<String, String>> requirement(String req, String whole) {
        if (req.isEmpty()) {
            throw invalid(whole, "empty requirement");
        }
        Matcher set = SET_EXPR.matcher(req);
        if (set.matches()) {
            String key = key(set.group(1), whole);
            boolean in = set.group(2).equals("in");
            List<String> values = new ArrayList<>();
            for (String v : set.group(3).split(",", -1)) {
                values.add(value(v.trim(), whole));
            }
            if (values.size() == 1 && values.get(0).isEmpty()) {
                throw invalid(whole, "empty value set");
            }
            Set<String> valueSet = Set.copyOf(values);
            return in
                    ? labels -> labels.containsKey(key) && valueSet.contains(labels.get(key))
                    : labels -> !labels.containsKey(key) || !valueSet.contains(labels.get(key));
        }
        if (req.contains("(") || req.contains(")")) {
            throw invalid(whole, "unexpected parenthesis in '" + req + "'");
        }
        int ne = req.indexOf("!=");
        if (ne >= 0) {
            String key = key(req.substring(0, ne).trim(), whole);
            String value = value(req.substring(ne + 2).trim(), whole);
            return labels -> !value.equals(labels.get(key));
        }
        int eq = req.indexOf('=');
        if (eq >= 0) {
            String key = key(req.substring(0, eq).trim(), whole);
            int valueStart = req.startsWith("==", eq) ? eq + 2 : eq + 1;
            String value = value(req.substring(valueStart).trim(), whole);
            return labels -> value.equals(labels.get(key));
        }
        if (req.startsWith("!")) {
            String key = key(req.substring(1).trim(), whole);
            return labels -> !labels.containsKey(key);
        }
        String key = key(req, whole);
        return labels -> labels.containsKey(key);
    }

    private static String key(String key, String whole) {
        if (!Labels.validKey(key)) {
            throw invalid(whole, "invalid label key '" + key + "'");
        }
        return key;
    }

    private static String value(String value, String whole) {
        if (value.contains("=") || value.contains("!") || !Labels.validValue(value)) {
            throw invalid(whole, "invalid label value '" + value + "'");
        }
        return value;
    }

    private static ApiError invalid(String whole, String why) {
        return ApiError.invalidInput("label_selector", "invalid label selector '" + whole + "': " + why);
    }
}
