package io.rgrid.orchestrator.it;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.orchestrator.OrchestratorLifecycle;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Autoscaling end to end with the local provider and a 20 s billing period (5 s terminate
 * window): queued work grows the grid up to max workers, idle workers are drained and deleted
 * inside the last 5 s of their current period and not before, a worker-agent killed with -9
 * mid-run has its execution finished by another worker as attempt 2, and an execution placed with
 * Ray (no agent yet) gets a worker and keeps it (issue 21).
 */
@QuarkusTest
@TestProfile(ScalingLifecycleTest.ShortBilling.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScalingLifecycleTest {

    static final Duration PERIOD = Duration.ofSeconds(20);
    static final Duration WINDOW = Duration.ofSeconds(5);
    static final int MAX = 3;

    public static class ShortBilling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rgrid.orchestrator.scaling.billing-period", PERIOD.toSeconds() + "s",
                    "rgrid.orchestrator.scaling.terminate-window", WINDOW.toSeconds() + "s",
                    "rgrid.orchestrator.scaling.queue-threshold", "5",
                    "rgrid.orchestrator.scaling.max-workers", Integer.toString(MAX),
                    "rgrid.orchestrator.local.hourly-price-eur", "0.01",
                    "rgrid.orchestrator.lifecycle.cost-interval", "2s");
        }
    }

    @Inject
    RgridConfig config;

    @Inject
    OrchestratorLifecycle lifecycle;

    @Inject
    CloudProvider provider;

    @Inject
    AgroalDataSource dataSource;

    private WorkerGridFixture fixture;
    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        fixture = WorkerGridFixture.connect(config, dataSource, lifecycle::stopOwnWorkers);
        grid = fixture.events();
    }

    @AfterAll
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    @Order(1)
    void twelveExecutionsGrowTheGridToMaxThenIdleWorkersGoInsideTheirBillingWindow() {
        fixture.requireAgentJar();
        Instant start = Instant.now();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            UUID id = Ids.newExecutionId();
            ids.add(id);
            submit(id, "project-scale-" + (i % 3), "import time\ntime.sleep(3)\nprint('done')\n", 3);
        }
        for (UUID id : ids) {
            ExecutionStatusChanged done = grid.awaitStatus(id, ExecutionState.SUCCEEDED);
            assertThat(done.attempt()).isEqualTo(1);
        }
        Set<String> provisioned = fixture.workersThat(WorkerState.PROVISIONING, start);
        assertThat(provisioned).as("grew to max, never beyond").hasSize(MAX);

        // Once idle, every worker is drained and deleted, each inside its billing window.
        fixture.awaitDeleted(provisioned, start);
        Instant lastSuccess = Instant.now();
        for (String workerId : provisioned) {
            List<Envelope<Event>> events = fixture.assertDrainedBeforeDeletedNeverLost(workerId);
            Envelope<Event> draining = events.stream()
                    .filter(e -> ((WorkerLifecycleChanged) e.payload()).state() == WorkerState.DRAINING)
                    .findFirst().orElseThrow();
            Instant created = ((WorkerLifecycleChanged) draining.payload()).createdAt();
            long into = Duration.between(created, draining.occurredAt()).toMillis() % PERIOD.toMillis();
            // Inside [period - window, period); 500 ms of slack past the boundary for the event's own clock read.
            assertThat(into >= PERIOD.minus(WINDOW).toMillis() || into < 500)
                    .as("%s drained %d ms into its %s billing period (window: last %s)", workerId, into, PERIOD,
                            WINDOW)
                    .isTrue();
        }
        assertThat(lastSuccess).isAfter(start);

        // Cost: every worker at 0.01 EUR per started (20 s) period, at the endpoint and as CostSnapshot events.
        given().get("/v1/cost").then().statusCode(200)
                .body("totalEur", notNullValue())
                .body("perWorkerEur." + provisioned.iterator().next(), notNullValue());
        await().atMost(Duration.ofSeconds(10)).until(() -> grid.events(CostSnapshot.class).stream()
                .anyMatch(s -> s.perWorkerEur().keySet().containsAll(provisioned) && s.totalEur() >= 0.01 * MAX));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("rgrid_orchestrator_queue_depth"))
                .body(containsString("rgrid_orchestrator_dispatch_latency_seconds_bucket"))
                .body(containsString("rgrid_orchestrator_provisioning_total{outcome=\"idle_terminated\"}"))
                .body(containsString("rgrid_orchestrator_cost_eur"));
    }

    @Test
    @Order(2)
    void aWorkerAgentKilledMidRunHasItsExecutionFinishedByAnotherWorkerAsAttemptTwo() throws Exception {
        fixture.requireAgentJar();
        UUID id = Ids.newExecutionId();
        submit(id, "project-kill", "import time\ntime.sleep(8)\nprint('survived')\n", 3);

        ExecutionStatusChanged running = grid.awaitStatus(id, ExecutionState.RUNNING);
        String victim = running.reportedBy();
        ProvisionedServer server = provider.list().stream().filter(s -> s.workerId().equals(victim)).findFirst()
                .orElseThrow();
        ProcessHandle.of(Long.parseLong(server.handle())).orElseThrow().destroyForcibly(); // SIGKILL

        ExecutionStatusChanged requeued = fixture.awaitStatus(id,
                s -> s.state() == ExecutionState.QUEUED && s.attempt() == 2, GridEvents.PATIENCE);
        assertThat(requeued.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        ExecutionStatusChanged succeeded = fixture.awaitStatus(id, s -> s.state() == ExecutionState.SUCCEEDED,
                GridEvents.PATIENCE);
        assertThat(succeeded.attempt()).isEqualTo(2);
        assertThat(succeeded.reportedBy()).isNotEqualTo(victim);
        assertThat(grid.lifecycle(victim)).extracting(WorkerLifecycleChanged::state)
                .contains(WorkerState.LOST, WorkerState.DELETED);
    }

    /**
     * Issue 21: in Ray mode an execution the Ray dispatcher placed is ASSIGNED to the Ray placement
     * (no agent yet) while its Ray task waits for a node offering {@code rgrid_worker}. The
     * autoscaler counted only QUEUED work: it provisioned nothing for such an execution, and deleted
     * the worker it was waiting for as idle. The row is written as the Ray dispatcher writes it (this
     * application dispatches with agents and leaves a Ray placement alone).
     */
    @Test
    @Order(3)
    void aRayPlacedExecutionGetsAWorkerThatIsKeptPastItsBillingWindowUntilTheExecutionLeavesRay() throws Exception {
        fixture.requireAgentJar();
        // From an empty grid: the worker the previous test's attempt 2 ran on goes idle and is deleted.
        await().atMost(WorkerGridFixture.IDLE_DELETION).pollInterval(Duration.ofMillis(500))
                .until(() -> liveWorkers() == 0);
        Instant start = Instant.now();
        UUID id = Ids.newExecutionId();
        insertRayPlaced(id);

        await().atMost(GridEvents.PATIENCE).pollInterval(Duration.ofMillis(500))
                .until(() -> !fixture.workersThat(WorkerState.READY, start).isEmpty());
        Set<String> provisioned = fixture.workersThat(WorkerState.PROVISIONING, start);
        assertThat(provisioned).as("one worker for the Ray-placed execution").hasSize(1);
        String worker = provisioned.iterator().next();

        // Idle as far as agents go, yet a Ray task waits: a whole period and a window pass without a drain.
        await().during(PERIOD.plus(WINDOW)).atMost(PERIOD.plus(WINDOW).plusSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> fixture.workersThat(WorkerState.DRAINING, start).isEmpty());

        // The execution leaves the Ray placement (cancelled): the worker is idle now and goes in its window.
        try (Connection c = dataSource.getConnection();
             PreparedStatement cancel = c.prepareStatement(
                     "UPDATE executions SET state = 'CANCELLED', updated_at = now() WHERE id = ?")) {
            cancel.setObject(1, id);
            cancel.executeUpdate();
        }
        fixture.awaitDeleted(Set.of(worker), start);
        fixture.assertDrainedBeforeDeletedNeverLost(worker);
    }

    private int liveWorkers() throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT count(*) FROM workers WHERE state IN "
                     + "('PROVISIONING', 'READY', 'DRAINING')");
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** An execution as the Ray dispatcher records it: ASSIGNED to {@link RayMode#PLACEMENT}, no agent yet. */
    private void insertRayPlaced(UUID id) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO executions (id, project_id, attempt, state, "
                     + "spec, script_key, max_attempts, worker_id, assigned_at, submitted_at, queued_at, updated_at) "
                     + "VALUES (?, 'project-ray', 1, 'ASSIGNED', ?::jsonb, ?, 3, ?, now(), now(), now(), now())")) {
            insert.setObject(1, id);
            insert.setString(2, Json.mapper().writeValueAsString(GridEvents.spec(0.5, 256, 3)));
            insert.setString(3, StorageKeys.script(id));
            insert.setString(4, RayMode.PLACEMENT);
            insert.executeUpdate();
        }
    }

    private void submit(UUID id, String project, String script, int maxAttempts) {
        try {
            grid.submit(id, project, GridEvents.spec(0.5, 256, maxAttempts), script);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
