package io.rgrid.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenant isolation, for every endpoint the API's OpenAPI document lists at run time and for the
 * plain Vert.x routes (the event stream, the log follow): project B's key, and B's dashboard
 * session cookie, cannot read, list, cancel, retry, follow the logs of, download, or be sent
 * events of anything of project A's.
 * Each execution-scoped endpoint answers B exactly as it answers for an id that does not exist
 * (404, the same problem body); listings and cluster views never mention A's execution or
 * project; key management is the admin's alone (403, the same for A's key and an unknown one).
 * An endpoint without a case here fails the test, so a new endpoint cannot slip past it.
 * (api-service's TenancyTest covers the same rules in-process with a hand-written list.)
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECURITY)
class TenantIsolationTest {

    private static final String SCRIPT = """
            import os
            os.makedirs("outputs", exist_ok=True)
            open("outputs/result.txt", "w").write("alpha-secret-output\\n")
            print("alpha-private-log-line")
            """;

    @Test
    void projectBsKeyFindsNothingOfProjectAsOnAnyEndpoint(KillableGrid grid) throws IOException {
        String suffix = Long.toString(System.nanoTime(), 36);
        ProjectKeys.Key a = ProjectKeys.create(grid, "alpha-" + suffix);
        ProjectKeys.Key b = ProjectKeys.create(grid, "beta-" + suffix);
        ProjectKeys.Key aSecond = ProjectKeys.create(grid, "alpha-" + suffix);
        JsonNode aRun = ProjectKeys.runToEnd(grid, a.secret(), SCRIPT, "{\"labels\": {\"owner\": \"alpha\"}}", Duration.ofMinutes(4));
        assertThat(aRun.path("state").asText()).as(aRun.toString()).isEqualTo("SUCCEEDED");
        String aId = aRun.path("id").asText();
        String missing = UUID.randomUUID().toString();
        Api api = new Api(grid.apiUrl());
        // A still sees its own: the 404s below are isolation, not a broken endpoint.
        assertThat(api.call("GET", "/api/v1/executions/" + aId + "/outputs/result.txt", a.secret()).text()).isEqualTo("alpha-secret-output\n");
        assertThat(api.call("GET", "/api/v1/executions/" + aId + "/logs", a.secret()).text()).contains("alpha-private-log-line");

        List<Caller> bCallers = List.of(Caller.bearer("B's key", b.secret()),
                Caller.login(grid, "B's session cookie", b.secret()));
        List<Endpoints.Endpoint> endpoints = Endpoints.all(grid);
        List<String> uncovered = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Endpoints.Endpoint endpoint : endpoints) {
            String key = endpoint.key();
            if (endpoint.path().startsWith("/api/v1/executions/{id}")) {
                for (String query : queries(endpoint)) {
                    for (Caller caller : bCallers) {
                        checked.add(answersAsForAnUnknownId(api, endpoint, query, caller, aId, missing, a));
                    }
                }
            } else if (key.equals("GET /api/v1/executions")) {
                for (String query : List.of("", "?label=owner%3Dalpha", "?state=SUCCEEDED&limit=500")) {
                    for (Caller caller : bCallers) {
                        checked.add(listsOnlyB(api, endpoint.path() + query, caller, a, b));
                    }
                }
            } else if (key.equals("GET /api/v1/events")) {
                eventsOfAReachOnlyA(grid, api, a, bCallers);
                checked.add(key);
            } else if (key.equals("POST /api/v1/executions")) {
                // B's submission lands in B's project, and A cannot see it either.
                JsonNode bRun = api.submitPatiently(b.secret(), "b.py", "print('beta')\n", null, null, null, Duration.ofMinutes(1));
                assertThat(bRun.path("projectId").asText()).isEqualTo(b.project());
                assertThat(api.call("GET", "/api/v1/executions/" + bRun.path("id").asText(), a.secret()).status()).isEqualTo(404);
                checked.add(key);
            } else if (endpoint.method().equals("GET") && !endpoint.path().contains("{") && !endpoint.path().startsWith("/api/v1/keys")) {
                // Cluster views (queue, workers, cost): shared facts, never another project's executions.
                for (Caller caller : bCallers) {
                    Api.Reply reply = caller.call(api, "GET", endpoint.path());
                    assertThat(reply.status()).as(key + " with " + caller + ": " + reply).isEqualTo(200);
                    assertNothingOfA(reply, a, key + " with " + caller);
                    checked.add(key + " (" + caller + ")");
                }
            } else if (endpoint.path().startsWith("/api/v1/keys")) {
                Map<String, String> foreignId = Map.of("id", aSecond.id());
                Map<String, String> unknownId = Map.of("id", UUID.randomUUID().toString());
                Api.Reply foreign = endpoint.method().equals("POST")
                        ? api.call("POST", endpoint.fill(Map.of()), "Bearer " + b.secret(), "application/json",
                        ("{\"project\": \"" + a.project() + "\"}").getBytes(StandardCharsets.UTF_8), Map.of())
                        : send(api, endpoint, foreignId, "", b.secret());
                Api.Reply unknown = endpoint.method().equals("POST") ? foreign : send(api, endpoint, unknownId, "", b.secret());
                assertThat(foreign.status()).as(key + " with B's key: " + foreign).isEqualTo(403);
                assertThat(foreign.json().path("code").asText()).isEqualTo("FORBIDDEN");
                assertThat(foreign.text().replace(aSecond.id(), "ID")).isEqualTo(unknown.text().replace(unknownId.get("id"), "ID"));
                assertNothingOfA(foreign, a, key);
                checked.add(key);
            } else if (endpoint.path().equals("/api/v1/session")) {
                // The dashboard's login and logout act on the caller's own session: B's login names
                // B's project and carries nothing of A's; B's logout touches no one else's session.
                Api.Reply reply = endpoint.method().equals("POST")
                        ? api.call("POST", endpoint.path(), null, "application/json",
                        ("{\"key\": \"" + b.secret() + "\"}").getBytes(StandardCharsets.UTF_8), Map.of())
                        : send(api, endpoint, Map.of(), "", b.secret());
                assertThat(reply.status()).as(key + " with B's key: " + reply).isBetween(200, 204);
                assertNothingOfA(reply, a, key);
                checked.add(key);
            } else {
                uncovered.add(key);
            }
        }
        assertThat(uncovered).as("endpoints in the OpenAPI document without a tenant-isolation case: add one to "
                + getClass().getSimpleName()).isEmpty();

        // Nothing B tried changed anything of A's: still SUCCEEDED, not retried, A's second key still works.
        Api.Reply after = api.call("GET", "/api/v1/executions/" + aId, a.secret());
        assertThat(after.json().path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(api.call("GET", "/api/v1/executions?limit=500", a.secret()).json().path("items").size()).isEqualTo(2);
        assertThat(api.call("GET", "/api/v1/executions", aSecond.secret()).status()).isEqualTo(200);
        System.out.println("[security] tenant isolation checked on " + endpoints.size() + " endpoints (" + checked.size()
                + " cases): " + checked);
    }

    /** B's call on A's execution answers 404, exactly as for an id that does not exist; returns the case. */
    private static String answersAsForAnUnknownId(Api api, Endpoints.Endpoint endpoint, String query, Caller caller, String aId,
                                                  String missing, ProjectKeys.Key a) throws IOException {
        Api.Reply foreign = caller.call(api, endpoint.method(), endpoint.fill(Map.of("id", aId, "name", "result.txt")) + query);
        Api.Reply absent = caller.call(api, endpoint.method(), endpoint.fill(Map.of("id", missing, "name", "result.txt")) + query);
        String what = endpoint.key() + query + " with " + caller + " on A's execution";
        assertThat(foreign.status()).as(what + ": " + foreign).isEqualTo(404);
        assertThat(foreign.contentType()).as(what).startsWith("application/problem+json");
        assertThat(foreign.json().path("code").asText()).as(what).isEqualTo("NOT_FOUND");
        assertThat(foreign.text().replace(aId, "ID")).as(what + " answers as for an unknown id")
                .isEqualTo(absent.text().replace(missing, "ID"));
        assertNothingOfA(foreign, a, what);
        return endpoint.key() + query + " (" + caller + ")";
    }

    /** B's listing holds only B's executions; returns the case. */
    private static String listsOnlyB(Api api, String path, Caller caller, ProjectKeys.Key a, ProjectKeys.Key b) throws IOException {
        Api.Reply list = caller.call(api, "GET", path);
        String what = "GET " + path + " with " + caller;
        assertThat(list.status()).as(what + ": " + list).isEqualTo(200);
        list.json().path("items").forEach(item -> assertThat(item.path("projectId").asText())
                .as(what + " lists only B's executions").isEqualTo(b.project()));
        assertNothingOfA(list, a, what);
        return what;
    }

    /**
     * The dashboard's event stream: A's and B's streams (B's key and B's session) are open while A
     * submits an execution; A's stream sends it, B's streams send nothing of A's.
     */
    private static void eventsOfAReachOnlyA(KillableGrid grid, Api api, ProjectKeys.Key a, List<Caller> bCallers) throws IOException {
        List<Caller.OpenStream> bStreams = new ArrayList<>();
        try (Caller.OpenStream aStream = Caller.bearer("A's key", a.secret()).open(grid, "/api/v1/events")) {
            for (Caller caller : bCallers) {
                bStreams.add(caller.open(grid, "/api/v1/events"));
            }
            assertThat(aStream.awaitContains("event: cluster", Duration.ofMinutes(1))).as("A's stream opened: " + aStream.text()).isTrue();
            for (Caller.OpenStream stream : bStreams) {
                assertThat(stream.status()).isEqualTo(200);
                assertThat(stream.awaitContains("event: cluster", Duration.ofMinutes(1))).as("B's stream opened: " + stream.text()).isTrue();
            }
            String newId = api.submitPatiently(a.secret(), "late.py", "print('late')\n", null, null, null, Duration.ofMinutes(1))
                    .path("id").asText();
            assertThat(aStream.awaitContains(newId, Duration.ofMinutes(2))).as("A's stream sends A's new execution: " + aStream.text())
                    .isTrue();
            for (int i = 0; i < bStreams.size(); i++) {
                String what = "GET /api/v1/events with " + bCallers.get(i);
                assertThat(bStreams.get(i).text()).as(what + " sends nothing of A's").doesNotContain(newId, a.project());
            }
        } finally {
            for (Caller.OpenStream stream : bStreams) {
                stream.close();
            }
        }
    }

    /** Variants of one execution-scoped endpoint: an explicit attempt (the follow is a plain route of its own). */
    private static List<String> queries(Endpoints.Endpoint endpoint) {
        if (endpoint.path().endsWith("/logs")) {
            return List.of("", "?attempt=1");
        }
        if (endpoint.path().contains("/outputs")) {
            return List.of("", "?attempt=1");
        }
        return List.of("");
    }

    private static Api.Reply send(Api api, Endpoints.Endpoint endpoint, Map<String, String> values, String query, String key)
            throws IOException {
        return api.call(endpoint.method(), endpoint.fill(values) + query, key);
    }

    private static void assertNothingOfA(Api.Reply reply, ProjectKeys.Key a, String what) {
        assertThat(reply.text()).as(what + " mentions nothing of A")
                .doesNotContain(a.project(), "alpha-secret-output", "alpha-private-log-line", a.secret());
    }
}
