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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The object store stopped for 30 s at the end of runs (issue 27): two executions end together,
 * 5 s into the outage, their agents retry the final log and output uploads (rgrid.worker.upload-retry.*,
 * the defaults: 8 tries over about 60 s) and, once the store is back, every one SUCCEEDED in its
 * first attempt with its output and its whole log stored.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.LIVENESS)
class StoreOutageTest {

    /**
     * Two, to fit what the shared grid surely has free: one 3-slot worker may be all that is left
     * by the tests before (a lost one is not replaced below the queue threshold of 3) and one of its
     * slots may still hold a requeued execution of theirs. With four, CI once had two stay QUEUED.
     */
    private static final int EXECUTIONS = 2;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    /** How long they get to start; they all end at the same instant after it, however spread their starts. */
    private static final Duration START_WINDOW = Duration.ofSeconds(180);
    /** The store stops this long before the runs end, so every final upload meets a stopped store. */
    private static final Duration STOP_BEFORE_END = Duration.ofSeconds(5);
    /**
     * Sleeps until the wall-clock instant in argv[2] (the host's clock: containers share it), so they
     * end together. A fixed sleep did not: on a loaded CI machine the first had finished before
     * the fourth started, so they were never all running when the store was to stop.
     */
    private static final String SCRIPT = """
            import sys, time
            time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
            with open('outputs/result.txt', 'w') as f:
                f.write('42-' + sys.argv[1])
            print('stored while the store was away')
            """;

    @Test
    void runsThatEndWhileTheStoreIsStoppedSucceedOnceItIsBack(GridExtension.Running running) throws Exception {
        KillableGrid grid = running.grid();
        Api api = new Api(grid.apiUrl());
        long failedTriesBefore = failedUploadTries(grid);
        String run = "store-outage-" + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>();
        Instant endAt = Instant.now().plus(START_WINDOW);
        String endSeconds = String.format(Locale.ROOT, "%.3f", endAt.toEpochMilli() / 1000.0);
        for (int i = 0; i < EXECUTIONS; i++) {
            String spec = """
                    {"network": "none", "memory": "128m", "timeoutSeconds": 600, "maxAttempts": 3,
                     "args": ["%d", "%s"], "labels": {"suite": "%s"}}""".formatted(i, endSeconds, run);
            ids.add(api.submitPatiently(grid.adminKey(), "main.py", SCRIPT, null, null, spec, Duration.ofMinutes(5))
                    .path("id").asText());
        }
        Map<String, JsonNode> started = ChaosSuiteTest.awaitIn(api, grid.adminKey(), run, Set.copyOf(ids),
                Set.of("RUNNING"), START_WINDOW.minus(STOP_BEFORE_END));
        assertThat(ids).allSatisfy(id -> assertThat(started.get(id).path("state").asText()).as(id).isEqualTo("RUNNING"));

        Instant stopAt = endAt.minus(STOP_BEFORE_END);
        assertThat(Instant.now()).as("all running before the store is to stop (%s)", stopAt).isBefore(stopAt);
        Api.sleep(Duration.between(Instant.now(), stopAt).toMillis());
        grid.stopS3();
        Api.sleep(OUTAGE.toMillis());
        grid.startS3Again();

        Map<String, JsonNode> views = ChaosSuiteTest.awaitTerminal(api, grid.adminKey(), run, Set.copyOf(ids));
        // The outage was met: the agents' WARN for each failed try (a log and an output per execution at least).
        assertThat(failedUploadTries(grid) - failedTriesBefore).as("failed upload tries the agents logged")
                .isGreaterThanOrEqualTo(EXECUTIONS);
        for (int i = 0; i < EXECUTIONS; i++) {
            String id = ids.get(i);
            JsonNode view = views.get(id);
            assertThat(view.path("state").asText()).as(id + ": " + view).isEqualTo("SUCCEEDED");
            // The orchestrator's log is read only for a failure's message.
            assertThat(view.path("attempt").asInt())
                    .as(() -> String.format("%s in its first attempt: %s%nthe orchestrator's lines of it:%n%s",
                            id, view, String.join("\n", grid.orchestratorLogLines(id)))).isEqualTo(1);
            Api.Reply output = api.call("GET", ApiPaths.execution(id) + "/outputs/result.txt", grid.adminKey());
            assertThat(output.status()).as(id + ": " + output).isEqualTo(200);
            assertThat(output.text()).isEqualTo("42-" + i);
            Api.Reply log = api.call("GET", ApiPaths.logs(id), grid.adminKey());
            assertThat(log.text()).as(id).contains("stored while the store was away");
        }
    }

    /** "Upload of … failed (try N of M)" lines in every agent's log (AttemptUploads). */
    private static long failedUploadTries(KillableGrid grid) throws IOException {
        if (!Files.isDirectory(grid.workersDir())) {
            return 0;
        }
        long count = 0;
        try (Stream<Path> files = Files.walk(grid.workersDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
                    count += lines.filter(line -> line.contains("Upload of ") && line.contains(" failed (try ")).count();
                }
            }
        }
        return count;
    }
}
