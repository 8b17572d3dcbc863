package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The reference's pagination: {@code page}/{@code per_page} parameters, {@code meta.pagination} and the Link header. */
final class Pagination {

    static final int DEFAULT_PER_PAGE = 25;
    static final int MAX_PER_PAGE = 50;

    private Pagination() {
    }

    /** One page of a list response: the body and the value of its Link header. */
    record Page(ObjectNode body, String linkHeader) {
    }

    static Page page(Request req, String rootKey, List<? extends JsonNode> items) {
        int page = intParam(req, "page", 1);
        int perPage = intParam(req, "per_page", DEFAULT_PER_PAGE);
        if (page < 1) {
            throw ApiError.invalidInput("page", "must be greater than or equal to 1");
        }
        if (perPage < 1 || perPage > MAX_PER_PAGE) {
            throw ApiError.invalidInput("per_page", "must be between 1 and " + MAX_PER_PAGE);
        }
        int total = items.size();
        int lastPage = Math.max(1, (total + perPage - 1) / perPage);
        int from = Math.min(total, (page - 1) * perPage);
        int to = Math.min(total, from + perPage);

        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = body.putArray(rootKey);
        items.subList(from, to).forEach(arr::add);
        ObjectNode p = body.putObject("meta").putObject("pagination");
        p.put("page", page);
        p.put("per_page", perPage);
        if (page > 1) {
            p.put("previous_page", Math.min(page - 1, lastPage));
        } else {
            p.putNull("previous_page");
        }
        if (page < lastPage) {
            p.put("next_page", page + 1);
        } else {
            p.putNull("next_page");
        }
        p.put("last_page", lastPage);
        p.put("total_entries", total);

        List<String> links = new ArrayList<>();
        if (page > 1) {
            links.add(link(req, Math.min(page - 1, lastPage), perPage, "prev"));
        }
        if (page < lastPage) {
            links.add(link(req, page + 1, perPage, "next"));
        }
        links.add(link(req, lastPage, perPage, "last"));
        return new Page(body, String.join(", ", links));
    }

    private static String link(Request req, int page, int perPage, String rel) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, List<String>> e : req.query().entrySet()) {
            if (e.getKey().equals("page") || e.getKey().equals("per_page")) {
                continue;
            }
            for (String v : e.getValue()) {
                q.append(enc(e.getKey())).append('=').append(enc(v)).append('&');
            }
        }
        q.append("page=").append(page).append("&per_page=").append(perPage);
        return "<" + req.baseUrl() + req.path() + "?" + q + ">; rel=\"" + rel + "\"";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int intParam(Request req, String name, int def) {
        String v = req.param(name);
        if (v == null || v.isEmpty()) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiError.invalidInput(name, "must be an integer");
        }
    }
}
