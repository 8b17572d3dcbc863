package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.rgrid.api.cluster.ClusterRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Problem;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.MachineType;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request no machine type of the grid can hold is refused at once, naming what the grid can run,
 * judged against the types the orchestrator published on rgrid.cluster.v1; nothing is stored.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class UnschedulableSubmissionTest {

    static final MachineType CX23 = new MachineType("cx23", 2, 4096, 0.0057);

    @Inject
    ApiTestSupport servers;

    @Inject
    ClusterRepository cluster;

    @Inject
    Transactions tx;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void aRequestNoAllowedMachineCanHoldIsRefusedWith422NamingTheLimitAndNothingIsStored() throws Exception {
        publishTypes(List.of(CX23));
        try {
            String key = Keys.create(adminKey, Keys.freshProject("fit"));

            assertRefused(submit(key, "{\"cpus\":4,\"memory\":\"1g\"}"), "UNSCHEDULABLE",
                    "no allowed machine type holds 4 CPUs and 1024 MiB: the largest the grid can run is 2 CPUs and "
                            + "4096 MiB (cx23)");
            assertRefused(submit(key, "{\"memory\":\"8g\"}"), "UNSCHEDULABLE",
                    "no allowed machine type holds 1 CPUs and 8192 MiB: the largest the grid can run is 2 CPUs and "
                            + "4096 MiB (cx23)");
            assertRefused(submit(key, "{\"machine\":\"cx33\"}"), "UNSCHEDULABLE",
                    "machine type 'cx33' is not allowed on this grid (allowed: cx23)");
            assertRefused(submit(key, "{\"machine\":\"cx23\",\"cpus\":3}"), "UNSCHEDULABLE",
                    "machine type cx23 offers 2 CPUs and 4096 MiB, less than the 3 CPUs and 512 MiB asked for");
            Response badName = submit(key, "{\"machine\":\"CX 23\"}");
            assertThat(badName.statusCode()).isEqualTo(422);
            assertThat(badName.jsonPath().getString("code")).isEqualTo("INVALID_SPEC");
            assertThat(badName.jsonPath().getList("errors.field", String.class)).containsExactly("machine");
            assertThat(Keys.as(key).get(ApiPaths.EXECUTIONS).jsonPath().getList("items")).as("nothing stored").isEmpty();

            assertThat(submit(key, "{\"cpus\":2,\"memory\":\"4g\"}").statusCode()).isEqualTo(201);
            Response pinned = submit(key, "{\"machine\":\"cx23\"}");
            assertThat(pinned.statusCode()).isEqualTo(201);
        } finally {
            publishTypes(List.of()); // other tests of this namespace submit what they like
        }
    }

    private void publishTypes(List<MachineType> types) throws Exception {
        servers.publish(Topics.CLUSTER, new GridCapacityChanged("hetzner", types));
        await().atMost(Duration.ofSeconds(30)).until(() -> tx.read(cluster::machineTypes).equals(types));
    }

    private static Response submit(String key, String spec) {
        return Keys.as(key).multiPart("spec", spec, "application/json")
                .multiPart("script", "main.py", "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
    }

    private static void assertRefused(Response response, String code, String detail) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(422);
        assertThat(response.contentType()).startsWith(Problem.MEDIA_TYPE);
        assertThat(response.jsonPath().getString("code")).isEqualTo(code);
        assertThat(response.jsonPath().getString("detail")).isEqualTo(detail);
    }
}
