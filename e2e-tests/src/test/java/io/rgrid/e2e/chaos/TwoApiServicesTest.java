package io.rgrid.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import io.rgrid.model.api.ApiPaths;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two api-service instances behind one address (issue 27): a load balancer may send a cancel to
 * another instance than the submission it follows. Here every submission goes to one instance and
 * its cancel, right after, to the other (both directions, the worst a balancer can do), and every
 * execution ends CANCELLED, in the API and in the orchestrator: only the instance holding the
 * relay lease publishes, in commit order, so no cancel reaches the orchestrator before its
 * submission (two relays could send it first, and the orchestrator would drop it and run the script).
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.LIVENESS)
class TwoApiServicesTest {

    private static final int EXECUTIONS = 12;
    /** Long enough that a lost cancel shows as a run still going when the test gives up. */
    private static final String SCRIPT = """
            import time
            time.sleep(300)
            """;

    @Test
    void aCancelSentToTheOtherInstanceRightAfterItsSubmissionAlwaysCancels(GridExtension.Running running) throws Exception {
        KillableGrid grid = running.grid();
        List<Api> instances = List.of(new Api(grid.apiUrl()), new Api(grid.startAnotherApi()));
        try {
            String run = "two-apis-" + Long.toHexString(System.nanoTime());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < EXECUTIONS; i++) {
                Api submitTo = instances.get(i % 2);
                Api cancelAt = instances.get((i + 1) % 2);
                String spec = """
                        {"network": "none", "memory": "128m", "timeoutSeconds": 600, "labels": {"suite": "%s"}}"""
                        .formatted(run);
                String id = submitTo.submitPatiently(grid.adminKey(), "main.py", SCRIPT, null, null, spec,
                        Duration.ofMinutes(2)).path("id").asText();
                Api.Reply cancel = cancelAt.call("POST", ApiPaths.execution(id) + "/cancel", grid.adminKey());
                assertThat(cancel.status()).as(id + ": " + cancel).isEqualTo(202);
                ids.add(id);
            }

            Map<String, JsonNode> views = ChaosSuiteTest.awaitIn(instances.get(0), grid.adminKey(), run, Set.copyOf(ids),
                    ChaosSuiteTest.TERMINAL, Duration.ofMinutes(3));
            assertThat(ids).allSatisfy(id -> assertThat(views.get(id)).as(id + " ended").isNotNull());
            assertThat(ids).allSatisfy(id -> assertThat(views.get(id).path("state").asText()).as(id + ": " + views.get(id))
                    .isEqualTo("CANCELLED"));
            assertThat(orchestratorStates(grid, ids)).as("the orchestrator's view").hasSize(EXECUTIONS)
                    .allSatisfy((id, state) -> assertThat(state).as(id).isEqualTo("CANCELLED"));
        } finally {
            grid.stopOtherApis();
        }
    }

    private static Map<String, String> orchestratorStates(KillableGrid grid, List<String> ids) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             PreparedStatement select = c.prepareStatement(
                     "SELECT id::text, state FROM orchestrator.executions WHERE id::text = ANY(?)")) {
            select.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    out.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return out;
    }
}
