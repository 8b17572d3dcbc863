package io.rgrid.cli;

import io.rgrid.model.ExecutionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code rgrid run} follows one stream: its state events are the state lines, and the command
 * ends when the stream ends, not at the next poll (the stream's {@code end} comes once the
 * execution is terminal and carries it, so no GET follows; from an older API without it the CLI
 * asks for the end state at once). Against an API without state events the end still cuts the
 * poll short.
 */
class StreamEndTest {

    /** A poll interval no test could wait out: the run can only end through the stream. */
    private static final long ONE_HOUR_MILLIS = 3_600_000;

    @TempDir
    Path dir;

    private CliFixture cli;
    private FakeApi api;

    @BeforeEach
    void start() throws Exception {
        cli = CliFixture.start(dir, "hello.py");
        api = cli.api();
    }

    @AfterEach
    void stop() {
        cli.close();
    }

    @Test
    @Timeout(60) // against a hang only: the old follower slept the whole interval before its next GET
    void theRunEndsWithTheStreamNotAtTheNextPoll() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        api.streamEndsRun = true;

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        assertThat(run.err()).contains("QUEUED").contains("SUCCEEDED in 1.2 s");
        // The submission's view, then one GET once the stream ended: no poll in between.
        assertThat(api.requests).filteredOn(r -> r.matches("GET /api/v1/executions/[0-9a-f-]+")).hasSize(1);
    }

    /** Today's API: the end event carries the final execution, and the run ends on it without a GET. */
    @Test
    @Timeout(60)
    void theRunEndsOnTheEndEventWithoutAGet() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        api.streamEndsRun = true;
        api.streamStates = true;
        api.endCarriesExecution = true;

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        assertThat(run.err()).containsSubsequence("QUEUED", "RUNNING", "SUCCEEDED in 1.2 s");
        assertThat(api.requests).filteredOn(r -> r.matches("GET /api/v1/executions/[0-9a-f-]+")).isEmpty();
    }

    /** A failure ends the same way, its exit code and line from the end event's execution. */
    @Test
    @Timeout(60)
    void aFailedRunEndsOnTheEndEventWithItsExitCode() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.FAILED).failedExitCode(3);
        api.streamEndsRun = true;
        api.endCarriesExecution = true;

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.err()).contains("FAILED in 1.2 s (exit code 3)");
        assertThat(api.requests).filteredOn(r -> r.matches("GET /api/v1/executions/[0-9a-f-]+")).isEmpty();
    }

    /**
     * {@code --timings}: every stage with its share, the script's start and end taken from the end
     * event (here 3.0 s after creation and 0.5 s long, where the GET says 1.0 s and 1.2 s).
     */
    @Test
    @Timeout(60)
    void timingsShowEveryStageWithTheEndEventsTimes() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        api.streamEndsRun = true;
        Instant created = Instant.parse("2025-01-01T10:00:00Z");
        api.endStartedAt = created.plusMillis(3000);
        api.endFinishedAt = created.plusMillis(3500);

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download", "--timings");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        List<String> timings = run.err().lines().dropWhile(l -> !l.startsWith("timings: ")).toList();
        assertThat(timings).as(run.err()).hasSize(7);
        assertThat(timings.get(0)).matches("timings: -?\\d+ ms from launch to done \\(the JVM's exit follows\\)");
        assertThat(timings.subList(1, 7)).extracting(l -> l.substring(2, 24).strip()).containsExactly(
                "launch -> command", "command -> Submitted", "created -> RUNNING", "RUNNING -> finished",
                "finished -> end here", "end -> done");
        assertThat(timings.get(3)).contains("  3000 ms");
        assertThat(timings.get(4)).contains("   500 ms");
        assertThat(timings.subList(1, 7)).allSatisfy(l -> assertThat(l).matches(".* -?\\d+ ms +-?\\d+%  .+"));
    }

    /** The API's state events are the state lines: no GET until the end. */
    @Test
    @Timeout(60)
    void theStatesComeFromTheStream() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.ASSIGNED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        api.streamEndsRun = true;
        api.streamStates = true;

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        assertThat(run.err()).containsSubsequence("QUEUED", "ASSIGNED to " + FakeApi.WORKER, "RUNNING", "SUCCEEDED in 1.2 s");
        assertThat(api.requests).filteredOn(r -> r.matches("GET /api/v1/executions/[0-9a-f-]+")).hasSize(1);
    }

    @Test
    @Timeout(60)
    void aFailedRunEndsTheSameWayWithItsExitCode() {
        api.sse(true).plan(ExecutionState.QUEUED, ExecutionState.FAILED).failedExitCode(3);
        api.streamEndsRun = true;

        CliRun run = CliRun.run(cli.env(), ONE_HOUR_MILLIS, "run", cli.script().toString(), "--no-download");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.err()).contains("FAILED in 1.2 s (exit code 3)");
    }
}
