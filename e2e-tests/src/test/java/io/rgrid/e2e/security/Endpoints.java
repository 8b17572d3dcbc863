package io.rgrid.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.KillableGrid;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public API's endpoints: what its own OpenAPI document lists at run time, plus the routes
 * api-service registers on Vert.x's router directly ({@link #PLAIN_ROUTES}), which the document
 * does not list.
 */
final class Endpoints {

    /** One operation: {@code GET /api/v1/executions/{id}}. */
    record Endpoint(String method, String path) {
        String key() {
            return method + " " + path;
        }

        /** The path with its parameters filled in. */
        String fill(Map<String, String> values) {
            String out = path;
            for (var value : values.entrySet()) {
                out = out.replace("{" + value.getKey() + "}", value.getValue());
            }
            if (out.contains("{")) {
                throw new AssertionError("no value for a parameter of " + path + " in " + values.keySet());
            }
            return out;
        }

        @Override
        public String toString() {
            return key();
        }
    }

    /**
     * Routes outside the REST layer (api-service's {@code ExecutionEventsRoute} and
     * {@code LogFollowRoute}): the dashboard's event stream and the live log follow.
     */
    static final List<Endpoint> PLAIN_ROUTES = List.of(
            new Endpoint("GET", "/api/v1/events"),
            new Endpoint("GET", "/api/v1/executions/{id}/logs?follow=true"));

    private Endpoints() {
    }

    /** Every operation under /api/v1 in {@code /q/openapi}, then {@link #PLAIN_ROUTES}. */
    static List<Endpoint> all(KillableGrid grid) {
        Api.Reply reply = new Api(grid.apiUrl()).getPatiently("/q/openapi?format=json", null, Duration.ofMinutes(1));
        if (reply.status() != 200) {
            throw new AssertionError("the OpenAPI document is not served: " + reply);
        }
        JsonNode paths = reply.json().path("paths");
        List<Endpoint> out = new ArrayList<>();
        for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
            String path = it.next();
            if (!path.startsWith("/api/")) {
                continue;
            }
            for (Iterator<String> methods = paths.path(path).fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(Locale.ROOT);
                if (List.of("GET", "POST", "PUT", "PATCH", "DELETE").contains(method)) {
                    out.add(new Endpoint(method, path));
                }
            }
        }
        if (out.size() < 5) {
            throw new AssertionError("the OpenAPI document lists only " + out + "; expected the whole API");
        }
        out.addAll(PLAIN_ROUTES);
        return out;
    }
}
