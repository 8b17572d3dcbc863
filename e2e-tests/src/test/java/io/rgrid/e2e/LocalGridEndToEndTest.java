package io.rgrid.e2e;

import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the real CLI ({@code ./rgrid}) against the real local grid ({@link LocalGrid}: embedded
 * PostgreSQL, Kafka, S3, api-service, orchestrator-service with the local provider, and
 * worker-agents it starts on demand, running scripts in Docker containers).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LocalGrid.Extension.class)
class LocalGridEndToEndTest {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern EXECUTION_ID = Pattern.compile("([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})");

    private Path repo;
    private Path home;
    private Map<String, String> env;

    @BeforeAll
    void useGrid(LocalGrid grid) {
        repo = grid.repo;
        home = grid.home;
        env = grid.env;
        if (Requirements.required("RGRID_REQUIRE_DOCKER")) {
            assertThat(grid.stdout).as("CI requires the Docker runtime:\n" + grid.stdout).contains("Workers run    docker");
        } else if (!grid.workersRunDocker()) {
            System.err.println("""
                    ###########################################################################
                    ## No Docker engine answered: the end-to-end tests run scripts with the  ##
                    ## process runtime. CI (CI=true) requires Docker and fails instead.      ##
                    ###########################################################################""");
        }
    }

    @Test
    void helloRunsInTheGridAndPrintsItsGreeting() {
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", "examples/hello.py");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).as(run.toString()).contains("Hello from RGrid!");
        assertThat(run.stderr()).as(run.toString()).contains("SUCCEEDED");

        String id = executionId(run);
        CliRun status = CliRun.run(repo, env, RUN_TIMEOUT, "status", id);
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains(id, "SUCCEEDED");

        CliRun logs = CliRun.run(repo, env, RUN_TIMEOUT, "logs", id);
        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        assertThat(logs.stdout()).contains("Hello from RGrid!");
    }

    @Test
    void aFailingScriptsExitCodeReachesTheCli() throws IOException {
        Path script = home.resolve("fails.py");
        Files.writeString(script, """
                import sys
                print("about to fail")
                sys.exit(3)
                """);
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", script.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.stdout()).contains("about to fail");
        assertThat(run.stderr()).contains("FAILED");
    }

    /**
     * A memory bomb ends OOM_KILLED through the real CLI on every kind of machine (on some, Docker
     * never flags the kill: the agent reads the kernel's own record), and the user is told the limit
     * in the flag's own words and how to raise it.
     */
    @Test
    void aScriptOverItsMemoryLimitEndsOomKilledAndSaysHowToRaiseIt() throws IOException {
        Path script = home.resolve("memory_bomb.py");
        Files.writeString(script, """
                chunks = []
                for i in range(64):
                    chunks.append(bytearray(16 * 1024 * 1024))
                print("allocated everything")
                """);
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", "--memory", "64m", script.toString());

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.stdout()).doesNotContain("allocated everything");
        assertThat(run.stderr()).as(run.toString()).contains("OOM_KILLED", "--memory 64m", "--memory 128m");
        assertThat(run.stderr()).doesNotContain("NONZERO_EXIT");
    }

    @Test
    void whatAScriptWritesToStderrIsShown() throws IOException {
        Path script = home.resolve("warns.py");
        Files.writeString(script, """
                import sys
                print("to stdout")
                print("warning: to stderr", file=sys.stderr)
                """);
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", script.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout() + run.stderr()).contains("to stdout", "warning: to stderr");
    }

    @Test
    void argumentsAndInputsReachTheScript() throws IOException {
        Path input = home.resolve("numbers.csv");
        Files.writeString(input, "1\n2\n3\n");
        Path script = home.resolve("sums.py");
        Files.writeString(script, """
                import sys
                total = sum(int(line) for line in open("inputs/numbers.csv"))
                print(f"{sys.argv[1]}={total}")
                """);
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", "--input", input.toString(), script.toString(), "total");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("total=6");
    }

    @Test
    void outputsAreDownloadedAndTheReadVerbsSeeTheExecution() throws IOException {
        Path script = home.resolve("writes.py");
        Files.writeString(script, """
                import os
                os.makedirs("outputs", exist_ok=True)
                with open("outputs/result.txt", "w") as f:
                    print("forty-two", file=f)
                print("wrote result")
                """);
        Path outputDir = home.resolve("out");
        CliRun run = CliRun.run(repo, env, RUN_TIMEOUT, "run", "--label", "suite=e2e", "--output-dir", outputDir.toString(),
                script.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(outputDir.resolve("result.txt")).as(run.toString()).hasContent("forty-two");
        String id = executionId(run);

        CliRun outputs = CliRun.run(repo, env, RUN_TIMEOUT, "outputs", id, "--json");
        assertThat(outputs.exitCode()).as(outputs.toString()).isZero();
        assertThat(outputs.stdout()).contains("result.txt");

        CliRun list = CliRun.run(repo, env, RUN_TIMEOUT, "list", "--label", "suite=e2e", "--json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains(id);

        CliRun retry = CliRun.run(repo, env, RUN_TIMEOUT, "retry", id, "--json");
        assertThat(retry.exitCode()).as(retry.toString()).isZero();
        assertThat(retry.stdout()).contains("\"retryOf\"", id);

        CliRun workers = CliRun.run(repo, env, RUN_TIMEOUT, "workers", "--json");
        assertThat(workers.exitCode()).as(workers.toString()).isZero();
        assertThat(workers.stdout()).contains("rgrid-worker-");

        CliRun cost = CliRun.run(repo, env, RUN_TIMEOUT, "cost");
        assertThat(cost.exitCode()).as(cost.toString()).isZero();
    }

    /**
     * A request no machine of the grid can ever hold is refused at submission, in one line naming
     * the largest the grid runs, through the whole chain: the orchestrator's local provider
     * publishes its agents' size on rgrid.cluster.v1, api-service judges the submission by it.
     * Until the orchestrator's first scaling tick has published the size, the API cannot judge and
     * the orchestrator fails the execution UNSCHEDULABLE instead; the test asks again then.
     */
    @Test
    void aRequestNoMachineCanHoldIsRefusedAtSubmissionNamingTheLimit() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        CliRun run;
        do {
            run = CliRun.run(repo, env, RUN_TIMEOUT, "run", "--cpus", "64", "examples/hello.py");
            assertThat(run.exitCode()).as(run.toString()).isNotZero();
            assertThat(run.stdout()).as(run.toString()).doesNotContain("Hello from RGrid!");
            assertThat(run.stderr()).as(run.toString()).contains("UNSCHEDULABLE");
            if (run.stderr().contains("HTTP 422")) {
                break;
            }
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);

        assertThat(run.stderr()).as(run.toString()).contains("HTTP 422", "the largest the grid can run is");
        assertThat(run.stderr().strip().lines().count()).as(run.toString()).isOne();
        assertThat(run.stderr()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void aWrongKeyIsRejectedWithAClearMessage() {
        Map<String, String> wrongKey = new HashMap<>(env);
        wrongKey.put("RGRID_API_KEY", "not-the-key");
        CliRun run = CliRun.run(repo, wrongKey, RUN_TIMEOUT, "run", "examples/hello.py");

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.stderr()).containsIgnoringCase("key");
        assertThat(run.stderr()).doesNotContain("Exception", "\tat ");
    }

    private static String executionId(CliRun run) {
        Matcher m = EXECUTION_ID.matcher(run.stderr() + run.stdout());
        assertThat(m.find()).as("an execution id in:\n" + run).isTrue();
        return m.group(1);
    }
}
