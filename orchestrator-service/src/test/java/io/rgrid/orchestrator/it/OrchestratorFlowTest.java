package io.rgrid.orchestrator.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.OrchestratorLifecycle;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

/**
 * The orchestrator against real PostgreSQL, Kafka and S3, with real worker-agents started by the
 * local provider. The test plays api-service: it uploads the script and produces the commands.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrchestratorFlowTest {

    @Inject
    RgridConfig config;

    @Inject
    OrchestratorLifecycle lifecycle;

    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    private WorkerGridFixture fixture;
    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        // Every agent process this class caused is stopped in tearDown, not left to the JVM's exit.
        fixture = WorkerGridFixture.connect(config, dataSource, lifecycle::stopOwnWorkers);
        grid = fixture.events();
    }

    @AfterAll
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void cancelOfAQueuedExecutionNoWorkerCanTakeEndsCancelled() throws Exception {
        UUID id = Ids.newExecutionId();
        // 64 CPUs: more than any local agent offers, so it stays QUEUED whatever workers exist.
        grid.submit(id, "project-cancel", GridEvents.spec(64, 256, 3), "print('never')");
        grid.send(new ExecutionCancelRequested(id, "project-cancel", Instant.now()));

        ExecutionStatusChanged cancelled = grid.awaitStatus(id, ExecutionState.CANCELLED);
        assertThat(cancelled.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        assertThat(cancelled.reason()).isEqualTo(FailureReason.CANCELLED);
        assertThat(cancelled.attempt()).isEqualTo(1);
        assertThat(grid.statuses(id)).extracting(ExecutionStatusChanged::state)
                .doesNotContain(ExecutionState.ASSIGNED);
    }

    @Test
    void helloScriptRunsOnAWorkerTheOrchestratorStarted() throws Exception {
        fixture.requireAgentJar();
        UUID id = Ids.newExecutionId();
        grid.submit(id, "project-hello", GridEvents.spec(0.5, 256, 3), "print('hello from rgrid')\n");

        ExecutionStatusChanged assigned = grid.awaitStatus(id, ExecutionState.ASSIGNED);
        assertThat(assigned.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        assertThat(assigned.attempt()).isEqualTo(1);
        assertThat(Ids.isWorkerId(assigned.workerId())).isTrue();

        ExecutionStatusChanged running = grid.awaitStatus(id, ExecutionState.RUNNING);
        assertThat(running.reportedBy()).isEqualTo(assigned.workerId());
        ExecutionStatusChanged succeeded = grid.awaitStatus(id, ExecutionState.SUCCEEDED);
        assertThat(succeeded.reportedBy()).isEqualTo(assigned.workerId());
        assertThat(succeeded.attempt()).isEqualTo(1);
        assertThat(succeeded.exitCode()).isZero();

        // The worker was announced on the cluster topic and is READY in the registry.
        assertThat(grid.lifecycle(assigned.workerId())).extracting(WorkerLifecycleChanged::state)
                .contains(WorkerState.PROVISIONING, WorkerState.READY);
        given().get("/v1/workers").then().statusCode(200)
                .body("findAll { it.state == 'READY' }.id", hasItem(assigned.workerId()))
                .body("token", everyItem(nullValue()));
    }
}
