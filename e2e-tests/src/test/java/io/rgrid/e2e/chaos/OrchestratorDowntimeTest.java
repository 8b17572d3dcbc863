package io.rgrid.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.DockerEvents;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 26: an orchestrator that dies mid-dispatch and stays down for longer than lost-after,
 * while the agent that took the assignment finishes it and is itself restarted under the same
 * worker id. When the orchestrator comes back:
 * <ul>
 *   <li>it finds every worker's last heartbeat old; its health monitor waits lost-after from its
 *       first check (the start-up grace), by when the agents' heartbeats are applied again: no
 *       worker is declared LOST;</li>
 *   <li>it re-sends the assignment it recorded but never saw acknowledged; the restarted agent
 *       remembers (its attempt ledger on disk) that it finished that attempt and does not run it
 *       again: the execution ends SUCCEEDED in attempt 1 with one container (Docker events);</li>
 *   <li>work submitted afterwards runs in its first attempt.</li>
 * </ul>
 * The orchestrator dies through the test-only fault point {@code before-report} (Runtime.halt
 * when it has consumed the agent's first report, before applying it: no shutdown hooks, as
 * SIGKILL), so the execution is still ASSIGNED however its answer and its report raced.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.LIVENESS)
class OrchestratorDowntimeTest {

    private static final String SCRIPT = """
            import time
            time.sleep(2)
            print("ran once")
            """;

    @Test
    void anOrchestratorDownLongerThanLostAfterLosesNoWorkerAndRunsNothingTwice(GridExtension.Running running)
            throws Exception {
        KillableGrid grid = running.grid();
        Set<String> ready = awaitReadyWorkers(grid);
        Api api = new Api(grid.apiUrl());
        String run = "downtime-" + Long.toHexString(System.nanoTime());

        grid.killOrchestrator();
        grid.startOrchestrator(List.of("-Drgrid.orchestrator.dispatch.fault-point=before-report"));
        String id = submit(api, grid, run, "once.py", SCRIPT);
        assertThat(grid.orchestratorExited(Duration.ofMinutes(3)))
                .as("the orchestrator halted at the first worker report (of %s)", id).isTrue();
        long downAt = System.nanoTime();
        String worker = KafkaOutageTest.holders(grid, List.of(id)).get(id);
        assertThat(KafkaOutageTest.executionState(grid, id)).as("recorded on %s, its RUNNING report not applied",
                worker).isEqualTo("ASSIGNED");

        // While it is down: the agent runs the attempt to its end (its SUCCEEDED acknowledged by
        // Kafka and written to its ledger), then is killed and started again under the same id.
        String finished = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> grid.agents().attemptState(worker, id, 1).orElse(""), "FINISHED"::equals);
        grid.agents().restart(worker);
        assertThat(grid.agents().attemptState(worker, id, 1)).as("the restarted agent of %s remembers attempt 1", worker)
                .hasValue(finished);

        Duration down = KillableGrid.LOST_AFTER.multipliedBy(2); // down for twice lost-after
        Api.sleep(Math.max(0, down.toMillis() - Duration.ofNanos(System.nanoTime() - downAt).toMillis()));
        grid.startOrchestrator();
        // Past the start-up grace (lost-after from the monitor's first check, a second after the start).
        Api.sleep(KillableGrid.LOST_AFTER.plusSeconds(5).toMillis());

        Map<String, String> states = KafkaOutageTest.workerStates(grid, ready);
        assertThat(states).as("the workers after the restart").hasSize(ready.size()).allSatisfy((w, state) ->
                assertThat(state).as(w).isIn("READY", "DRAINING"));
        JsonNode view = ChaosSuiteTest.awaitTerminal(api, grid.adminKey(), run, Set.of(id)).get(id);
        assertThat(view.path("state").asText()).as(String.valueOf(view)).isEqualTo("SUCCEEDED");
        assertThat(view.path("attempt").asInt()).as("never taken back").isEqualTo(1);
        List<DockerEvents.Event> starts = running.docker().events().stream()
                .filter(e -> id.equals(e.executionId()) && "start".equals(e.action())).toList();
        assertThat(starts).as("one container of %s, ever", id).hasSize(1);
        assertThat(grid.orchestratorLogLines("re-sending " + id)).as("the ASSIGNED attempt was re-sent to %s", worker)
                .isNotEmpty();

        String after = submit(api, grid, run, "hello.py", "print('after the restart')\n");
        JsonNode later = ChaosSuiteTest.awaitTerminal(api, grid.adminKey(), run, Set.of(after)).get(after);
        assertThat(later.path("state").asText()).as(String.valueOf(later)).isEqualTo("SUCCEEDED");
        assertThat(later.path("attempt").asInt()).isEqualTo(1);
    }

    private static String submit(Api api, KillableGrid grid, String run, String name, String script) {
        return api.submitPatiently(grid.adminKey(), name, script, null, null,
                "{\"network\": \"none\", \"memory\": \"128m\", \"labels\": {\"suite\": \"" + run + "\"}}",
                Duration.ofMinutes(5)).path("id").asText();
    }

    /**
     * The grid's READY workers, once there is one: run alone, a test starts with the grid, whose
     * first agents are still registering (min-workers 2).
     */
    static Set<String> awaitReadyWorkers(KillableGrid grid) {
        return await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                .until(() -> readyWorkers(grid), workers -> !workers.isEmpty());
    }

    private static Set<String> readyWorkers(KillableGrid grid) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             Statement select = c.createStatement();
             ResultSet rows = select.executeQuery("SELECT id FROM orchestrator.workers WHERE state = 'READY'")) {
            while (rows.next()) {
                out.add(rows.getString(1));
            }
        }
        return out;
    }
}
