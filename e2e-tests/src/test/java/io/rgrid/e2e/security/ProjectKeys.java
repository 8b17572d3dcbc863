package io.rgrid.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.KillableGrid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Project keys the security suites create through the admin API. Every plaintext key handed out
 * is remembered, so the secrets check can make sure none of them was ever logged.
 */
final class ProjectKeys {

    /** Every API key secret and dashboard session cookie the suites were given in this JVM. */
    static final List<String> ISSUED = new CopyOnWriteArrayList<>();

    record Key(String id, String project, String secret) {
    }

    private ProjectKeys() {
    }

    static Key create(KillableGrid grid, String project) throws IOException {
        Api.Reply reply = new Api(grid.apiUrl()).call("POST", "/api/v1/keys", "Bearer " + grid.adminKey(), "application/json",
                Api.JSON.writeValueAsBytes(Map.of("project", project, "name", "security-suite")), Map.of());
        if (reply.status() != 201) {
            throw new AssertionError("key creation answered " + reply);
        }
        JsonNode body = reply.json();
        Key key = new Key(body.path("id").asText(), body.path("project").asText(), body.path("key").asText());
        ISSUED.add(key.secret());
        return key;
    }

    static void revoke(KillableGrid grid, Key key) throws IOException {
        Api.Reply reply = new Api(grid.apiUrl()).call("DELETE", "/api/v1/keys/" + key.id(), grid.adminKey());
        if (reply.status() != 200) {
            throw new AssertionError("revocation answered " + reply);
        }
    }

    /** Submits a script and waits until it is terminal; returns its final view. */
    static JsonNode runToEnd(KillableGrid grid, String key, String script, String specJson, Duration patience) {
        Api api = new Api(grid.apiUrl());
        JsonNode created = api.submitPatiently(key, "main.py", script, null, null, specJson, Duration.ofMinutes(1));
        String id = created.path("id").asText();
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            JsonNode view = api.getPatiently("/api/v1/executions/" + id, key, Duration.ofMinutes(1)).json();
            if (Set.of("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST").contains(view.path("state").asText())) {
                return view;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("execution " + id + " did not end within " + patience + ": " + view);
            }
            Api.sleep(300);
        }
    }

    static String text(Api.Reply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }
}
