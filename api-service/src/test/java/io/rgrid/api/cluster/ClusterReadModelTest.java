package io.rgrid.api.cluster;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.WaitReason;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** /queue, /workers and /cost from rgrid.cluster.v1; OpenAPI and Prometheus endpoints. */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class ClusterReadModelTest {

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void workersWaitsAndCostComeFromTheClusterTopic() throws Exception {
        String worker = "rgrid-worker-" + UUID.randomUUID().toString().substring(0, 6).replace("-", "a");
        Instant created = Instant.parse("2026-01-01T10:00:00Z");
        servers.publish(Topics.CLUSTER, new WorkerLifecycleChanged(worker, WorkerState.PROVISIONING, "local", "local", created, 0.01, null));
        servers.publish(Topics.CLUSTER, new WorkerLifecycleChanged(worker, WorkerState.READY, "local", "local", created, 0.01, "up"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> Keys.as(adminKey).get(ApiPaths.BASE + "/workers").then()
                .statusCode(200).body("items.find { it.id == '" + worker + "' }.state", equalTo("READY")));

        String key = Keys.create(adminKey, Keys.freshProject("queue"));
        Response submitted = Keys.as(key).multiPart("script", "main.py", "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        UUID id = UUID.fromString(submitted.jsonPath().getString("id"));
        Keys.as(key).get(ApiPaths.BASE + "/queue").then().statusCode(200).body("depth.QUEUED", equalTo(1))
                .body("depth.RUNNING", equalTo(0)).body("oldest.id", equalTo(id.toString()));
        servers.publish(Topics.CLUSTER, new ExecutionWaiting(id, WaitReason.PROVISIONING, 45, "worker booting"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> Keys.as(key).get(ApiPaths.BASE + "/queue").then()
                .body("oldest.reason", equalTo("PROVISIONING")).body("oldest.etaSeconds", equalTo(45)));

        Instant at = Instant.now().plusSeconds(3600);
        servers.publish(Topics.CLUSTER, new CostSnapshot(at, 1.25, Map.of(worker, 1.25)));
        servers.publish(Topics.CLUSTER, new CostSnapshot(at.minusSeconds(600), 0.5, Map.of())); // older: ignored
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> Keys.as(key).get(ApiPaths.BASE + "/cost").then()
                .statusCode(200).body("totalEur", equalTo(1.25f)));
        servers.publish(Topics.CLUSTER, new WorkerLifecycleChanged(worker, WorkerState.DELETED, "local", "local", created, 0.01, null));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Keys.as(adminKey).get(ApiPaths.BASE + "/workers")
                .jsonPath().getList("items.id")).doesNotContain(worker));
        Keys.as(adminKey).queryParam("all", true).get(ApiPaths.BASE + "/workers").then()
                .body("items.find { it.id == '" + worker + "' }.state", equalTo("DELETED"));
    }

    @Test
    void workerDetailsNameHostsAndPathsOnlyToTheAdmin() throws Exception {
        String worker = "rgrid-worker-" + UUID.randomUUID().toString().substring(0, 6).replace("-", "b");
        String detail = "provisioning failed: SSH to 10.0.0.7:22 refused with key /opt/rgrid/infra/hetzner_worker.key";
        servers.publish(Topics.CLUSTER, new WorkerLifecycleChanged(worker, WorkerState.LOST, "hetzner", "cx23",
                Instant.parse("2026-01-01T10:00:00Z"), 0.01, detail));
        String byId = "items.find { it.id == '" + worker + "' }.detail";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> Keys.as(adminKey).get(ApiPaths.BASE + "/workers").then()
                .statusCode(200).body(byId, equalTo(detail)));
        String key = Keys.create(adminKey, Keys.freshProject("redact"));
        Keys.as(key).get(ApiPaths.BASE + "/workers").then().statusCode(200)
                .body(byId, equalTo("provisioning failed: SSH to <address> refused with key <path>"));

        UUID id = UUID.fromString(Keys.as(key).multiPart("script", "main.py", "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS).jsonPath().getString("id"));
        servers.publish(Topics.CLUSTER, new ExecutionWaiting(id, WaitReason.PROVISIONING, 45, "booting rgrid-worker-x at 10.0.0.9"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> Keys.as(key).get(ApiPaths.BASE + "/queue").then()
                .body("oldest.detail", equalTo("booting rgrid-worker-x at <address>")));
    }

    @Test
    void openApiSwaggerAndMetricsAreServed() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/executions"))
                .body(containsString("/api/v1/keys"));
        given().get("/q/swagger-ui/").then().statusCode(200);
        Keys.as(adminKey).multiPart("script", "m.py", "print(1)".getBytes(StandardCharsets.UTF_8)).post(ApiPaths.EXECUTIONS)
                .then().statusCode(201);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("rgrid_submissions_total"))
                .body(containsString("http_server_requests_seconds"))
                .body(containsString("rgrid_executions{"));
    }

    /** The API listens on every interface (API_HOST=0.0.0.0), its metrics only on loopback without RGRID_METRICS_TOKEN. */
    @Test
    void metricsAnswerOnlyLoopbackWithoutAToken() throws Exception {
        String address = nonLoopbackAddress();
        Assumptions.assumeTrue(address != null, "this machine has no non-loopback IPv4 address");
        String base = "http://" + address + ":" + RestAssured.port;
        given().baseUri(base).get("/q/metrics").then().statusCode(401)
                .contentType("application/problem+json")
                .body("code", equalTo("UNAUTHENTICATED"))
                .body("detail", containsString("only on this host's loopback interface unless RGRID_METRICS_TOKEN"));
        given().baseUri(base).get("/q/health/live").then().statusCode(200);
        given().baseUri(base).get("/q/openapi").then().statusCode(200);
    }

    private static String nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        return null;
    }
}
