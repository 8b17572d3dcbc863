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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker-agent's terminal status report, produced while the Kafka broker is down, reaches the
 * grid once the broker is back: the execution runs, Kafka stops, the script ends (its report
 * cannot be delivered, the API still says RUNNING), Kafka starts again, and the execution ends
 * SUCCEEDED in its first attempt: the agent kept that report until Kafka took it.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.CHAOS)
class KafkaOutageStatusTest {

    private static final String SCRIPT = """
            import time
            time.sleep(3)
            print("done")
            """;

    @Test
    void statusReportedWhileKafkaIsDownArrivesOnceItIsBack(KillableGrid grid) {
        Api api = new Api(grid.apiUrl());
        JsonNode created = api.submitPatiently(grid.adminKey(), "wait.py", SCRIPT, null, null,
                "{\"network\": \"none\", \"timeoutSeconds\": 120}", Duration.ofMinutes(5));
        String id = created.path("id").asText();
        awaitState(api, grid, id, "RUNNING", Duration.ofMinutes(3));

        grid.stopKafka();
        try {
            // The 3 s script ends meanwhile; its SUCCEEDED report waits for Kafka. Short enough that the
            // orchestrator does not take the silent worker for lost (15 s, KillableGrid).
            Api.sleep(6000);
            assertThat(view(api, grid, id).path("state").asText()).as("no report can arrive without Kafka")
                    .isEqualTo("RUNNING");
        } finally {
            grid.startKafka();
        }

        JsonNode done = awaitState(api, grid, id, "SUCCEEDED", Duration.ofMinutes(3));
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.path("attempt").asInt()).as("the report of the first attempt arrived, not a retry's; " + done)
                .isEqualTo(1);
    }

    private static JsonNode view(Api api, KillableGrid grid, String id) {
        Api.Reply reply = api.getPatiently("/api/v1/executions/" + id, grid.adminKey(), Duration.ofMinutes(1));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }

    private static JsonNode awaitState(Api api, KillableGrid grid, String id, String state, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        JsonNode view = view(api, grid, id);
        while (!view.path("state").asText().equals(state) && System.nanoTime() < deadline) {
            Api.sleep(250);
            view = view(api, grid, id);
        }
        return view;
    }
}
