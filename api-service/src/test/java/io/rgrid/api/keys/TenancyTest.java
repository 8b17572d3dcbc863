package io.rgrid.api.keys;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.keys.KeyHasher;
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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/** Project keys: created by the admin, stored as hashes, scoped to their project, revocable. */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class TenancyTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    KeyHasher hasher;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void keysAreCreatedOnceListedWithoutSecretsAndStoredAsHashes() throws Exception {
        String project = Keys.freshProject("alpha");
        Response created = Keys.as(adminKey).contentType(ContentType.JSON)
                .body(Map.of("project", project, "name", "ci")).post(ApiPaths.BASE + "/keys");
        created.then().statusCode(201).body("project", equalTo(project)).body("name", equalTo("ci"));
        String secret = created.jsonPath().getString("key");
        String id = created.jsonPath().getString("id");
        assertThat(secret).startsWith("rgk_").hasSizeGreaterThan(40);
        assertThat(created.header("Location")).endsWith("/api/v1/keys/" + id);

        Response list = Keys.as(adminKey).get(ApiPaths.BASE + "/keys");
        list.then().statusCode(200).body("items.id", hasItem(id));
        assertThat(list.asString()).doesNotContain(secret).doesNotContain("\"key\"");
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ?", hasher.hash(secret))).isEqualTo(1);
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ?", secret)).isZero();

        // A project key cannot manage keys.
        expect(Keys.as(secret).get(ApiPaths.BASE + "/keys"), 403, "FORBIDDEN");
        expect(Keys.as(secret).contentType(ContentType.JSON).body(Map.of("project", "x")).post(ApiPaths.BASE + "/keys"),
                403, "FORBIDDEN");
        expect(Keys.as(secret).delete(ApiPaths.BASE + "/keys/" + id), 403, "FORBIDDEN");
        // Bad requests.
        expect(Keys.as(adminKey).contentType(ContentType.JSON).body(Map.of("project", "Not Valid!")).post(ApiPaths.BASE + "/keys"),
                422, "INVALID_SPEC");
        expect(Keys.as(adminKey).contentType(ContentType.JSON).body("{\"project\": ").post(ApiPaths.BASE + "/keys"),
                400, "MALFORMED_REQUEST");
        expect(Keys.as(adminKey).delete(ApiPaths.BASE + "/keys/" + UUID.randomUUID()), 404, "NOT_FOUND");
    }

    @Test
    void aProjectKeySeesOnlyItsProjectAndOthersLookMissing() throws Exception {
        String alpha = Keys.freshProject("alpha");
        String beta = Keys.freshProject("beta");
        String alphaKey = Keys.create(adminKey, alpha);
        String betaKey = Keys.create(adminKey, beta);

        Instant start = Instant.now().minusSeconds(1);
        UUID id = submit(alphaKey);
        Keys.as(alphaKey).get(ApiPaths.execution(id.toString())).then().statusCode(200).body("projectId", equalTo(alpha));
        Keys.as(adminKey).get(ApiPaths.execution(id.toString())).then().statusCode(200);
        servers.putObject(StorageKeys.output(id, 1, "result.txt"), "42\n");
        servers.putObject(StorageKeys.log(id, 1), "log line\n");

        String missing = UUID.randomUUID().toString();
        List<Function<String, Function<RequestSpecification, Response>>> calls = List.of(
                x -> r -> r.get(ApiPaths.execution(x)),
                x -> r -> r.get(ApiPaths.logs(x)),
                x -> r -> r.queryParam("follow", "true").get(ApiPaths.logs(x)),
                x -> r -> r.get(ApiPaths.execution(x) + "/outputs"),
                x -> r -> r.get(ApiPaths.execution(x) + "/outputs/result.txt"),
                x -> r -> r.post(ApiPaths.cancel(x)),
                x -> r -> r.post(ApiPaths.execution(x) + "/retry"));
        for (var call : calls) {
            Response foreign = call.apply(id.toString()).apply(Keys.as(betaKey));
            Response absent = call.apply(missing).apply(Keys.as(betaKey));
            expect(foreign, 404, "NOT_FOUND");
            expect(absent, 404, "NOT_FOUND");
            assertThat(foreign.jsonPath().getString("detail").replace(id.toString(), "ID"))
                    .isEqualTo(absent.jsonPath().getString("detail").replace(missing, "ID"));
            assertThat(foreign.jsonPath().getString("title")).isEqualTo(absent.jsonPath().getString("title"));
        }
        // The owner reaches all of them.
        Keys.as(alphaKey).get(ApiPaths.logs(id.toString())).then().statusCode(200).body(equalTo("log line\n"));
        Keys.as(alphaKey).get(ApiPaths.execution(id.toString()) + "/outputs").then().statusCode(200)
                .body("outputs.name", hasItem("result.txt"));
        Keys.as(alphaKey).get(ApiPaths.execution(id.toString()) + "/outputs/result.txt").then().statusCode(200).body(equalTo("42\n"));

        // Listings are scoped; the admin sees every project.
        Keys.as(betaKey).get(ApiPaths.EXECUTIONS).then().statusCode(200).body("items.id", not(hasItem(id.toString())));
        Keys.as(alphaKey).get(ApiPaths.EXECUTIONS).then().statusCode(200).body("items.id", equalTo(List.of(id.toString())));
        UUID betaExecution = submit(betaKey);
        Keys.as(adminKey).queryParam("limit", 500).queryParam("createdSince", start.toString()).get(ApiPaths.EXECUTIONS).then().statusCode(200)
                .body("items.id", hasItem(id.toString())).body("items.id", hasItem(betaExecution.toString()));
        Keys.as(betaKey).get(ApiPaths.BASE + "/queue").then().statusCode(200).body("depth.QUEUED", equalTo(1))
                .body("oldest.id", equalTo(betaExecution.toString()));

        // The owner can cancel and retry.
        Keys.as(alphaKey).post(ApiPaths.cancel(id.toString())).then().statusCode(202);
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.CANCELLED, null, null, null, null, "orchestrator",
                Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "CANCELLED".equals(Keys.as(alphaKey).get(ApiPaths.execution(id.toString())).jsonPath().getString("state")));
        Keys.as(alphaKey).post(ApiPaths.execution(id.toString()) + "/retry").then().statusCode(201)
                .body("projectId", equalTo(alpha)).body("retryOf", equalTo(id.toString()));
    }

    @Test
    void aRevokedKeyIsRefusedAndLeavesNothingBehind() throws Exception {
        String project = Keys.freshProject("gamma");
        Response created = Keys.as(adminKey).contentType(ContentType.JSON)
                .body(Map.of("project", project, "name", "to revoke")).post(ApiPaths.BASE + "/keys");
        String secret = created.jsonPath().getString("key");
        String id = created.jsonPath().getString("id");
        submit(secret);

        Keys.as(adminKey).delete(ApiPaths.BASE + "/keys/" + id).then().statusCode(200).body("revokedAt", not(equalTo(null)));
        long rows = servers.executionRows();
        List<String> objects = servers.objectKeys();
        Response refused = Keys.as(secret).multiPart("script", "main.py", "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        expect(refused, 401, "UNAUTHENTICATED");
        assertThat(servers.executionRows()).isEqualTo(rows);
        assertThat(servers.objectKeys()).containsExactlyInAnyOrderElementsOf(objects);
        expect(Keys.as(secret).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        expect(Keys.as("rgk_" + "x".repeat(43)).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        Keys.as(adminKey).get(ApiPaths.BASE + "/keys").then().body("items.id", not(hasItem(id)));
        Keys.as(adminKey).queryParam("includeRevoked", true).get(ApiPaths.BASE + "/keys").then().body("items.id", hasItem(id));
    }

    private UUID submit(String key) {
        Response response = Keys.as(key).multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return UUID.fromString(response.jsonPath().getString("id"));
    }

    static void expect(Response response, int status, String code) {
        response.then().statusCode(status).contentType("application/problem+json").body("code", equalTo(code));
    }
}
