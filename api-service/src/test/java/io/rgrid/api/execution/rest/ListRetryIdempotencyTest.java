package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** GET /executions paging and filters, POST /executions/{id}/retry, and the Idempotency-Key header. */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class ListRetryIdempotencyTest {

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void listingPagesNewestFirstAndFilters() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("list"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(submit(key, "{\"labels\": {\"team\": \"" + (i % 2 == 0 ? "red" : "blue") + "\", \"n\": \"" + i + "\"}}"));
        }
        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RequestSpecification request = Keys.as(key).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            Response page = request.get(ApiPaths.EXECUTIONS);
            page.then().statusCode(200);
            seen.addAll(page.jsonPath().getList("items.id", String.class));
            cursor = page.jsonPath().getString("nextCursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
        assertThat(pages).isEqualTo(3);

        Keys.as(key).queryParam("label", "team=red").get(ApiPaths.EXECUTIONS).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(4), ids.get(2), ids.get(0))));
        Keys.as(key).queryParam("label", "team=red").queryParam("label", "n=2").get(ApiPaths.EXECUTIONS).then()
                .body("items.id", equalTo(List.of(ids.get(2))));

        servers.publishStatus(new ExecutionStatusChanged(UUID.fromString(ids.get(1)), 1, ExecutionState.CANCELLED, null, null,
                null, null, "orchestrator", Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Keys.as(key).queryParam("state", "cancelled").get(ApiPaths.EXECUTIONS).jsonPath().getList("items.id").size() == 1);
        Keys.as(key).queryParam("state", "QUEUED,RUNNING").get(ApiPaths.EXECUTIONS).then()
                .body("items.id", equalTo(List.of(ids.get(4), ids.get(3), ids.get(2), ids.get(0))));

        String middle = Keys.as(key).get(ApiPaths.execution(ids.get(2))).jsonPath().getString("createdAt");
        Keys.as(key).queryParam("createdBefore", middle).get(ApiPaths.EXECUTIONS).then()
                .body("items.id", equalTo(List.of(ids.get(1), ids.get(0))));
        Keys.as(key).queryParam("createdSince", middle).get(ApiPaths.EXECUTIONS).then()
                .body("items.id", equalTo(List.of(ids.get(4), ids.get(3), ids.get(2))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"state=DONE", "limit=0", "limit=501", "limit=ten", "cursor=bm9wZQ", "cursor=!!!",
            "createdSince=yesterday", "createdBefore=2026-13-01T00:00:00Z", "label=novalue"})
    void badListParametersAre400(String query) {
        String[] kv = query.split("=", 2);
        Response response = Keys.as(adminKey).queryParam(kv[0], kv[1]).get(ApiPaths.EXECUTIONS);
        ExecutionApiTest.expectProblem(response, 400, "MALFORMED_REQUEST");
    }

    @Test
    void retryCopiesTheFilesIntoANewExecution() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("retry"));
        Response submitted = Keys.as(key).multiPart("spec", "{\"cpus\": 0.5}", "application/json")
                .multiPart("script", "job.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .multiPart("inputs", "in.csv", "a\n".getBytes(StandardCharsets.UTF_8))
                .multiPart("requirements", "requirements.txt", "numpy\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        submitted.then().statusCode(201);
        UUID original = UUID.fromString(submitted.jsonPath().getString("id"));

        ExecutionApiTest.expectProblem(Keys.as(key).post(ApiPaths.execution(original.toString()) + "/retry"), 409, "INVALID_STATE");

        servers.publishStatus(new ExecutionStatusChanged(original, 1, ExecutionState.FAILED, "rgrid-worker-abcdef", 1, null,
                null, "rgrid-worker-abcdef", Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "FAILED".equals(Keys.as(key).get(ApiPaths.execution(original.toString())).jsonPath().getString("state")));

        Response retried = Keys.as(key).post(ApiPaths.execution(original.toString()) + "/retry");
        retried.then().statusCode(201).body("retryOf", equalTo(original.toString())).body("state", equalTo("QUEUED"))
                .body("spec.cpus", equalTo(0.5f)).body("scriptName", equalTo("job.py"));
        UUID retry = UUID.fromString(retried.jsonPath().getString("id"));
        assertThat(retried.header("Location")).endsWith(ApiPaths.execution(retry.toString()));
        assertThat(servers.objectExists(StorageKeys.script(retry))).isTrue();
        assertThat(servers.objectExists(StorageKeys.input(retry, "in.csv"))).isTrue();
        assertThat(servers.objectExists(StorageKeys.requirements(retry))).isTrue();
        Keys.as(key).get(ApiPaths.execution(retry.toString())).then().body("retryOf", equalTo(original.toString()));
        assertThat(servers.awaitExecutionEvent(retry, "ExecutionSubmitted", Duration.ofSeconds(30))).isPresent();
    }

    @Test
    void idempotencyKeyReplaysTheSameSubmissionAndRefusesAnotherBody() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("idem"));
        String idem = "submit-" + UUID.randomUUID();
        Response first = idempotent(key, idem, "print('same')\n");
        first.then().statusCode(201);
        long rows = servers.executionRows();
        List<String> objects = servers.objectKeys();

        Response again = idempotent(key, idem, "print('same')\n");
        again.then().statusCode(200).body("id", equalTo(first.jsonPath().getString("id")));
        assertThat(again.header("Location")).endsWith(first.jsonPath().getString("id"));

        Response different = idempotent(key, idem, "print('different')\n");
        ExecutionApiTest.expectProblem(different, 409, "CONFLICT");
        assertThat(servers.executionRows()).isEqualTo(rows);
        assertThat(servers.objectKeys()).containsExactlyInAnyOrderElementsOf(objects);

        // Keys are per project: another project may use the same key for its own submission.
        String other = Keys.create(adminKey, Keys.freshProject("idem"));
        Response elsewhere = idempotent(other, idem, "print('same')\n");
        elsewhere.then().statusCode(201);
        assertThat(elsewhere.jsonPath().getString("id")).isNotEqualTo(first.jsonPath().getString("id"));
    }

    @Test
    void anIdempotencyKeyIsFreeAgainAfterItsRetention() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("idem"));
        String idem = "retained-" + UUID.randomUUID();
        Response first = idempotent(key, idem, "print('old')\n");
        first.then().statusCode(201);
        String firstId = first.jsonPath().getString("id");

        // Inside the retention (24h by default) the key still deduplicates and refuses another body.
        servers.execute("UPDATE api.idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = '" + idem + "'");
        idempotent(key, idem, "print('old')\n").then().statusCode(200).body("id", equalTo(firstId));
        ExecutionApiTest.expectProblem(idempotent(key, idem, "print('new')\n"), 409, "CONFLICT");

        // Past it, the key is free: a new submission takes it, and it deduplicates from then on.
        servers.execute("UPDATE api.idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = '"
                + idem + "'");
        Response reused = idempotent(key, idem, "print('new')\n");
        reused.then().statusCode(201);
        String reusedId = reused.jsonPath().getString("id");
        assertThat(reusedId).isNotEqualTo(firstId);
        idempotent(key, idem, "print('new')\n").then().statusCode(200).body("id", equalTo(reusedId));
        ExecutionApiTest.expectProblem(idempotent(key, idem, "print('old')\n"), 409, "CONFLICT");
        assertThat(servers.rows("SELECT count(*) FROM api.idempotency_keys WHERE key = ? AND execution_id = ?::uuid",
                idem, reusedId)).isOne();
        // The first execution itself is untouched.
        Keys.as(key).get(ApiPaths.execution(firstId)).then().statusCode(200);
    }

    private static Response idempotent(String key, String idem, String script) {
        return Keys.as(key).header("Idempotency-Key", idem)
                .multiPart("script", "main.py", script.getBytes(StandardCharsets.UTF_8))
                .multiPart("inputs", "x.txt", "x".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
    }

    private static String submit(String key, String spec) {
        Response response = Keys.as(key).multiPart("spec", spec, "application/json")
                .multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return response.jsonPath().getString("id");
    }
}
