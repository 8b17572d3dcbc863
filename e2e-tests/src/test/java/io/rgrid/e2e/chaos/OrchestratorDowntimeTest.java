package io.rgrid.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
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
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 26: an orchestrator killed and started again after more than lost-after finds every
 * worker's last heartbeat old. Its health monitor waits lost-after from its first check (the
 * start-up grace), by when the agents' heartbeats are applied again: no worker is declared LOST,
 * and work submitted afterwards runs in its first attempt.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.LIVENESS)
class OrchestratorDowntimeTest {

    @Test
    void anOrchestratorDownLongerThanLostAfterLosesNoWorkerWhenItComesBack(GridExtension.Running running)
            throws Exception {
        KillableGrid grid = running.grid();
        Set<String> ready = awaitReadyWorkers(grid);

        grid.killOrchestrator();
        Api.sleep(KillableGrid.LOST_AFTER.multipliedBy(2).toMillis()); // down for twice lost-after
        grid.startOrchestrator();
        // Past the start-up grace (lost-after from the monitor's first check, a second after the start).
        Api.sleep(KillableGrid.LOST_AFTER.plusSeconds(5).toMillis());

        Map<String, String> states = KafkaOutageTest.workerStates(grid, ready);
        assertThat(states).as("the workers after the restart").hasSize(ready.size()).allSatisfy((worker, state) ->
                assertThat(state).as(worker).isIn("READY", "DRAINING"));
        Api api = new Api(grid.apiUrl());
        String run = "downtime-" + Long.toHexString(System.nanoTime());
        String id = api.submitPatiently(grid.adminKey(), "hello.py", "print('after the restart')\n", null, null,
                "{\"network\": \"none\", \"memory\": \"128m\", \"labels\": {\"suite\": \"" + run + "\"}}",
                Duration.ofMinutes(5)).path("id").asText();
        JsonNode view = ChaosSuiteTest.awaitTerminal(api, grid.adminKey(), run, Set.of(id)).get(id);
        assertThat(view.path("state").asText()).as(String.valueOf(view)).isEqualTo("SUCCEEDED");
        assertThat(view.path("attempt").asInt()).isEqualTo(1);
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
