package io.rgrid.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 26: an agent frozen with SIGSTOP past lost-after (its container keeps running) is declared
 * LOST only after its health probe fails, and its attempt is stopped before the retry starts: the
 * engine's events never show two containers of the execution alive at once. The agent stays frozen
 * until the orchestrator says LOST (the database's state, not a fixed sleep: how long the liveness
 * checks take differs between machines) and a while after, then is resumed (SIGCONT) if it still exists.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.LIVENESS)
class AgentPauseTest {

    private static final String SCRIPT = """
            import time
            time.sleep(40)
            print("done")
            """;

    @Test
    void aFrozenAgentsAttemptIsStoppedBeforeItsRetryStarts(GridExtension.Running running) throws Exception {
        KillableGrid grid = running.grid();
        Api api = new Api(grid.apiUrl());
        String run = "agent-pause-" + Long.toHexString(System.nanoTime());
        String id = api.submitPatiently(grid.adminKey(), "sleep.py", SCRIPT, null, null,
                "{\"network\": \"none\", \"memory\": \"128m\", \"timeoutSeconds\": 600, \"maxAttempts\": 3, "
                        + "\"labels\": {\"suite\": \"" + run + "\"}}", Duration.ofMinutes(5)).path("id").asText();
        ChaosSuiteTest.awaitIn(api, grid.adminKey(), run, Set.of(id), Set.of("RUNNING"), Duration.ofMinutes(5));
        String worker = KafkaOutageTest.holders(grid, List.of(id)).get(id);
        // RUNNING is reported before the container starts: freeze the agent once its container runs.
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (running.docker().events().stream().noneMatch(e -> id.equals(e.executionId()) && "start".equals(e.action()))
                && System.nanoTime() < deadline) {
            Api.sleep(200);
        }
        assertThat(running.docker().events()).as("the engine started the container of " + id + " within 2 min")
                .anyMatch(e -> id.equals(e.executionId()) && "start".equals(e.action()));

        assertThat(grid.agents().signal(worker, true)).as("SIGSTOP to the agent of " + worker).isTrue();
        long frozenAt = System.nanoTime();
        // Frozen until the orchestrator gives up on it (silent, probed, LOST, deleted), however long
        // its liveness checks take on this machine; a bound that says why when it is passed.
        Duration patience = KillableGrid.LOST_AFTER.multipliedBy(8);
        String state = null;
        try {
            while (!"LOST".equals(state) && !"DELETED".equals(state)
                    && Duration.ofNanos(System.nanoTime() - frozenAt).compareTo(patience) < 0) {
                Api.sleep(500);
                state = KafkaOutageTest.workerStates(grid, Set.of(worker)).get(worker);
            }
            System.out.printf("[agent-pause] %s frozen; %s after %d s%n", worker, state,
                    Duration.ofNanos(System.nanoTime() - frozenAt).toSeconds());
            assertThat(state).as("the frozen worker %s within %s; what the orchestrator said of it:%n%s", worker,
                    patience, String.join("\n", grid.orchestratorLogLines(worker))).isIn("LOST", "DELETED");
            Api.sleep(KillableGrid.LOST_AFTER.toMillis()); // its deletion and the retry run while it is still frozen
        } finally {
            grid.agents().signal(worker, false);
        }

        Map<String, JsonNode> views = ChaosSuiteTest.awaitTerminal(api, grid.adminKey(), run, Set.of(id));
        JsonNode view = views.get(id);
        assertThat(view.path("state").asText()).as(String.valueOf(view)).isEqualTo("SUCCEEDED");
        assertThat(view.path("attempt").asInt()).as("it ran again elsewhere").isGreaterThan(1);
        Map<String, String> states = KafkaOutageTest.workerStates(grid, Set.of(worker));
        assertThat(states.get(worker)).as("the frozen worker").isIn("LOST", "DELETED");
        List<String> overlaps = new ArrayList<>();
        Map<String, Integer> containers = new LinkedHashMap<>();
        assertThat(ChaosSuiteTest.overlapProblems(running.docker(), Set.of(id), views, overlaps, containers))
                .as("no two containers of it alive at once").isEmpty();
        assertThat(containers.get(id)).as("a container per attempt").isGreaterThan(1);
    }
}
