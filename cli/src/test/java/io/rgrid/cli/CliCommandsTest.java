package io.rgrid.cli;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.SubmitSpec;
import io.rgrid.model.config.ClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives the real command line against an in-process fake of the API. */
class CliCommandsTest {

    @TempDir
    Path dir;

    private CliFixture cli;
    private FakeApi api;
    private Map<String, String> env;
    private Path script;

    @BeforeEach
    void start() throws Exception {
        cli = CliFixture.start(dir, "hello.py");
        api = cli.api();
        env = cli.env();
        script = cli.script();
    }

    @AfterEach
    void stop() {
        cli.close();
    }

    @Test
    void runUploadsFollowsPrintsTheLogAndExitsZero() throws Exception {
        Path data = Files.writeString(dir.resolve("data.csv"), "a,b\n1,2\n");
        CliRun run = cli.rgrid("run", script.toString(), "--input", data.toString(), "--cpus", "2", "--memory", "1g",
                "--timeout", "60", "--env", "SEED=42", "--label", "team=ml", "--network", "none", "arg1", "--", "--flag");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        List<String> lines = run.err().lines().toList();
        assertThat(lines.get(0)).matches("Submitted [0-9a-f-]{36}");
        assertThat(lines.subList(1, lines.size())).satisfiesExactly(
                l -> assertThat(l).matches("\\[ *\\d+\\.\\ds] QUEUED"),
                l -> assertThat(l).matches("\\[ *\\d+\\.\\ds] ASSIGNED to rgrid-worker-ab12cd"),
                l -> assertThat(l).matches("\\[ *\\d+\\.\\ds] RUNNING"),
                l -> assertThat(l).matches("\\[ *\\d+\\.\\ds] SUCCEEDED in 1\\.2 s"));

        FakeApi.Submission submission = api.submissions.get(0);
        assertThat(submission.parts()).extracting(p -> p.name() + ":" + p.fileName())
                .containsExactly("spec:null", "script:hello.py", "inputs:data.csv");
        assertThat(submission.parts().get(0).contentType()).isEqualTo("application/json");
        assertThat(submission.parts().get(1).text()).isEqualTo("print('hello')\n");
        assertThat(submission.parts().get(2).text()).isEqualTo("a,b\n1,2\n");
        assertThat(submission.contentLength()).isNotNull();
        SubmitSpec spec = submission.spec();
        assertThat(spec.args()).containsExactly("arg1", "--flag");
        assertThat(spec.cpus()).isEqualTo(2.0);
        assertThat(spec.memory()).isEqualTo("1g");
        assertThat(spec.timeoutSeconds()).isEqualTo(60);
        assertThat(spec.env()).containsExactlyEntriesOf(Map.of("SEED", "42"));
        assertThat(spec.labels()).containsExactlyEntriesOf(Map.of("team", "ml"));
        assertThat(spec.network()).isEqualTo("none");
        String id = lines.get(0).substring("Submitted ".length());
        assertThat(api.requests).contains("GET /api/v1/executions/" + id + "/logs?attempt=1");
    }

    @Test
    void rgridOptionsMayFollowTheScriptAndUnknownOnesGoToIt() {
        CliRun run = cli.rgrid("run", script.toString(), "--verbose", "--image", "img:1", "-x");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        SubmitSpec spec = api.submissions.get(0).spec();
        assertThat(spec.image()).isEqualTo("img:1");
        assertThat(spec.args()).containsExactly("--verbose", "-x");
    }

    @Test
    void failedScriptExitsWithItsCodeAndSaysWhy() {
        api.plan(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.FAILED).failedExitCode(3)
                .log("Traceback: boom\n");
        CliRun run = cli.rgrid("run", script.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.out()).isEqualTo("Traceback: boom\n");
        assertThat(run.err()).contains("FAILED in 1.2 s (exit code 3)")
                .containsPattern("rgrid: execution [0-9a-f-]{36} FAILED, exit code 3, reason NONZERO_EXIT");
    }

    @Test
    void timedOutExitsWith124AndCancelledWith130() {
        api.plan(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.TIMED_OUT);
        CliRun timedOut = cli.rgrid("run", script.toString());
        assertThat(timedOut.exitCode()).as(timedOut.toString()).isEqualTo(124);
        assertThat(timedOut.err()).contains("TIMED_OUT, reason TIMEOUT: ran past 300 s");

        api.plan(ExecutionState.QUEUED, ExecutionState.CANCELLED);
        assertThat(cli.rgrid("run", script.toString()).exitCode()).isEqualTo(130);

        api.plan(ExecutionState.QUEUED, ExecutionState.FAILED).failedExitCode(null);
        assertThat(cli.rgrid("run", script.toString()).exitCode()).isEqualTo(1);
    }

    @Test
    void detachPrintsOnlyTheIdAndDoesNotFollow() {
        CliRun run = cli.rgrid("run", "--detach", script.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out().strip()).matches("[0-9a-f-]{36}");
        assertThat(api.requests).containsExactly("POST /api/v1/executions");
    }

    @Test
    void statusShowsTheExecutionAndJsonIsTheApiView() throws Exception {
        UUID id = api.existing(ExecutionState.FAILED);
        CliRun human = cli.rgrid("status", id.toString());
        assertThat(human.exitCode()).as(human.toString()).isZero();
        assertThat(human.out()).contains("Execution  " + id).contains("State      FAILED (exit code 3)")
                .contains("Worker     rgrid-worker-ab12cd").contains("Limits     1 CPU, 512 MiB, timeout 300 s");

        CliRun json = cli.rgrid("status", "--json", id.toString());
        ExecutionView view = Json.mapper().readValue(json.out(), ExecutionView.class);
        assertThat(view.id()).isEqualTo(id);
        assertThat(view.state()).isEqualTo(ExecutionState.FAILED);
    }

    @Test
    void logsPrintsTheStoredLogAndFollowsAnUnfinishedExecutionFirst() {
        UUID done = api.existing(ExecutionState.SUCCEEDED);
        CliRun run = cli.rgrid("logs", done.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        assertThat(run.err()).isEmpty();

        UUID running = api.existing(ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        CliRun followed = cli.rgrid("logs", running.toString());
        assertThat(followed.out()).isEqualTo("hello from the grid\n");
        assertThat(followed.err()).contains("RUNNING").contains("SUCCEEDED in 1.2 s");

        CliRun attempt = cli.rgrid("logs", "--attempt", "1", done.toString());
        assertThat(attempt.exitCode()).isZero();
        assertThat(api.requests).contains("GET /api/v1/executions/" + done + "/logs?attempt=1");

        CliRun noSuchAttempt = cli.rgrid("logs", "--attempt", "2", done.toString());
        assertThat(noSuchAttempt.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(noSuchAttempt.err()).isEqualTo("rgrid: execution " + done + " has attempts 1 to 1\n");
    }

    @Test
    void logsAsJsonCarriesTheLogWithItsAttemptAndState() throws Exception {
        UUID done = api.existing(ExecutionState.SUCCEEDED);
        CliRun run = cli.rgrid("logs", done.toString(), "--json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        var json = io.rgrid.model.Json.mapper().readTree(run.out());
        assertThat(json.path("id").asText()).isEqualTo(done.toString());
        assertThat(json.path("attempt").asInt()).isEqualTo(1);
        assertThat(json.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(json.path("log").asText()).isEqualTo("hello from the grid\n");
    }

    @Test
    void cancelPostsAndReports() {
        UUID id = api.existing(ExecutionState.RUNNING);
        CliRun run = cli.rgrid("cancel", id.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(api.requests).contains("POST /api/v1/executions/" + id + "/cancel");
        assertThat(run.err()).contains("Execution " + id + " is CANCELLED");
    }

    @Test
    void unknownExecutionIsNamed() {
        UUID id = UUID.randomUUID();
        CliRun run = cli.rgrid("status", id.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).isEqualTo("rgrid: no execution " + id + " at " + api.url() + "\n");
    }

    @Test
    void anIdThatIsNotAUuidIsAUsageError() {
        CliRun run = cli.rgrid("logs", "abc");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("'abc' is not an execution id");
    }

    @Test
    void aRejectedKeyQuotesTheProblemAndSaysWhatToCheck() {
        env.put(ClientConfig.ENV_API_KEY, "wrong");
        CliRun run = cli.rgrid("run", script.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).startsWith("rgrid: the API rejected the key from RGRID_API_KEY: "
                + "\"missing or unknown API key\" (UNAUTHENTICATED)");
        assertThat(run.err().lines().count()).isEqualTo(2);
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aProblemResponseIsQuotedWithItsCodeAndFields() {
        CliRun run = cli.rgrid("run", "--image", "bad/image", script.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).isEqualTo("rgrid: the API refused the request: the spec is invalid "
                + "(INVALID_SPEC, HTTP 422)\n  image: image 'bad/image' is not allowed\n");
    }

    @Test
    void machineIsSentAndARefusedMachineIsOneLine() {
        CliRun pinned = cli.rgrid("run", "--detach", "--machine", "cx33", script.toString());
        assertThat(pinned.exitCode()).as(pinned.err()).isZero();
        assertThat(api.submissions.getLast().spec().machine()).isEqualTo("cx33");

        CliRun refused = cli.rgrid("run", "--machine", "cx99", script.toString());
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(refused.err()).isEqualTo("rgrid: the API refused the request: machine type 'cx99' is not allowed "
                + "on this grid (allowed: cx23, cx33) (UNSCHEDULABLE, HTTP 422)\n");
    }

    @Test
    void connectionRefusedSaysHowToStartTheGrid() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        env.put(ClientConfig.ENV_API_URL, "http://127.0.0.1:" + port);
        CliRun run = cli.rgrid("status", UUID.randomUUID().toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).isEqualTo("rgrid: cannot reach the RGrid API at http://127.0.0.1:" + port
                + " (connection refused). Is the grid running? Start it with: ./rgrid local up\n");
    }

    @Test
    void debugAddsTheStackTraceAndTheHttpTrace() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = cli.rgrid("status", UUID.randomUUID().toString(), "--debug", "--api-url", "http://127.0.0.1:" + port);
        assertThat(run.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).contains("> GET http://127.0.0.1:" + port).contains("ConnectException")
                .contains("\tat ").contains("cannot reach the RGrid API");
    }

    @Test
    void missingFilesAreNamedBeforeAnyUpload() {
        CliRun noScript = cli.rgrid("run", "x.py");
        assertThat(noScript.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noScript.err()).isEqualTo("rgrid: no such file: x.py\n");

        CliRun noInput = cli.rgrid("run", script.toString(), "--input", "missing.csv");
        assertThat(noInput.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noInput.err()).isEqualTo("rgrid: no such file: missing.csv\n");
        assertThat(api.requests).isEmpty();
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        for (String[] args : List.of(
                new String[]{"--memory", "lots"},
                new String[]{"--env", "NOEQUALS"},
                new String[]{"--network", "host"},
                new String[]{"--cpus", "0"},
                new String[]{"--timeout", "-5"})) {
            List<String> argv = new ArrayList<>(List.of("run"));
            argv.addAll(List.of(args));
            argv.add(script.toString());
            CliRun run = cli.rgrid(argv.toArray(String[]::new));
            assertThat(run.exitCode()).as(String.join(" ", argv) + "\n" + run).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).as(run.toString()).startsWith("rgrid: ").contains(args[0]);
            assertThat(run.err().lines().count()).as(run.toString()).isLessThanOrEqualTo(2);
        }
        assertThat(api.requests).isEmpty();
    }

    @Test
    void noKeyAnywhereIsAUsageErrorThatSaysWhatToDo() {
        env.remove(ClientConfig.ENV_API_KEY);
        CliRun run = cli.rgrid("status", UUID.randomUUID().toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("no API key configured").contains("./rgrid local up");
    }

    @Test
    void flagsAfterTheSubcommandOverrideTheEnvironment() {
        env.put(ClientConfig.ENV_API_KEY, "wrong");
        CliRun run = cli.rgrid("run", script.toString(), "--api-key", FakeApi.KEY);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        CliRun before = cli.rgrid("--api-key", FakeApi.KEY, "run", script.toString());
        assertThat(before.exitCode()).as(before.toString()).isZero();
    }

    @Test
    void initWritesTheConfigFileThatLaterCommandsUse() throws Exception {
        env.remove(ClientConfig.ENV_API_URL);
        env.remove(ClientConfig.ENV_API_KEY);
        CliRun init = cli.rgrid("init", "--api-url", api.url(), "--api-key", FakeApi.KEY);
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Path file = dir.resolve("config/rgrid/config.json");
        assertThat(ClientConfig.read(file)).isEqualTo(new ClientConfig(api.url(), FakeApi.KEY));
        assertThat(Files.getPosixFilePermissions(file)).hasToString("[OWNER_READ, OWNER_WRITE]");

        assertThat(cli.rgrid("run", script.toString()).exitCode()).isZero();
    }

    @Test
    void localCommandsNeedRgridHome() {
        CliRun run = cli.rgrid("local", "up");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("RGRID_HOME is not set").contains("./rgrid launcher");

        env.put("RGRID_HOME", dir.toString());
        CliRun notBuilt = cli.rgrid("local", "down", "--purge");
        assertThat(notBuilt.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(notBuilt.err()).contains("local-grid.jar is missing").contains("./mvnw");
    }

    @Test
    void helpFitsInEightyColumnsAndDocumentsExitCodes() {
        for (String[] args : List.of(new String[]{"--help"}, new String[]{"run", "--help"},
                new String[]{"logs", "--help"}, new String[]{"local", "--help"}, new String[]{"local", "run", "--help"},
                new String[]{"status", "--help"}, new String[]{"cancel", "--help"}, new String[]{"init", "--help"})) {
            CliRun help = cli.rgrid(args);
            assertThat(help.exitCode()).isZero();
            assertThat(help.out().lines()).as(String.join(" ", args)).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        }
        assertThat(cli.rgrid("--help").out()).contains("Exit codes:").contains("124").contains("Examples:");
    }

    @Test
    void versionPrintsSomething() {
        CliRun run = cli.rgrid("version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("rgrid ");
    }
}
