package io.rgrid.cli;

import io.rgrid.cli.core.ExitCodes;
import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.api.SubmitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The verbs and run flags added on top of run/status/logs/cancel, driven against FakeApi. */
class CliVerbsTest {

    @TempDir
    Path dir;

    private CliFixture cli;
    private FakeApi api;
    private Path script;

    @BeforeEach
    void start() throws Exception {
        cli = CliFixture.start(dir, "job/hello.py");
        api = cli.api();
        script = cli.script();
    }

    @AfterEach
    void stop() {
        cli.close();
    }

    @Test
    void inputGlobsAddEveryMatchAndANonMatchingGlobIsAUsageError() throws Exception {
        cli.file("data/b.csv", "b");
        cli.file("data/a.csv", "a");
        cli.file("data/skip.txt", "x");
        cli.file("data/sub/c.csv", "c");
        CliRun run = cli.rgrid("run", script.toString(), "--no-download", "--input", dir + "/data/*.csv");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(cli.partNames(0)).containsExactly("spec:null", "script:hello.py", "inputs:a.csv", "inputs:b.csv");

        CliRun deep = cli.rgrid("run", script.toString(), "--no-download", "-i", dir + "/data/**.csv");
        assertThat(deep.exitCode()).as(deep.toString()).isZero();
        assertThat(cli.partNames(1)).contains("inputs:c.csv");

        CliRun none = cli.rgrid("run", script.toString(), "--input", dir + "/data/*.parquet");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("no file matches --input '" + dir + "/data/*.parquet'");
    }

    @Test
    void envFileIsReadAndEnvWinsOverIt() throws Exception {
        Path envFile = cli.file("vars.env", "# comment\n\nexport A=1\nB=\"two words\"\nC='x'\nD=file\n");
        CliRun run = cli.rgrid("run", script.toString(), "--env-file", envFile.toString(), "-e", "D=flag", "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(api.submissions.get(0).spec().env())
                .containsExactlyInAnyOrderEntriesOf(Map.of("A", "1", "B", "two words", "C", "x", "D", "flag"));

        Path bad = cli.file("bad.env", "NOEQUALS\n");
        CliRun refused = cli.rgrid("run", script.toString(), "--env-file", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("bad.env line 1: expected KEY=VALUE");
        assertThat(cli.rgrid("run", script.toString(), "--env-file", "/nope.env").err()).contains("no such --env-file: /nope.env");
    }

    @Test
    void aSuccessfulRunDownloadsItsOutputsToOutputDir() throws Exception {
        api.outputs(Map.of("result.txt", "42\n".getBytes(StandardCharsets.UTF_8), "plot data.bin", new byte[]{1, 2, 3}));
        Path out = dir.resolve("results");
        CliRun run = cli.rgrid("run", script.toString(), "--output-dir", out.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(out.resolve("result.txt")).hasContent("42");
        assertThat(out.resolve("plot data.bin")).hasBinaryContent(new byte[]{1, 2, 3});
        assertThat(run.err()).contains("Downloaded 2 outputs (6 B) to " + out);
        String id = run.err().lines().findFirst().orElseThrow().substring("Submitted ".length());
        assertThat(api.requests).contains("GET /api/v1/executions/" + id + "/outputs?attempt=1",
                "GET /api/v1/executions/" + id + "/outputs/result.txt?attempt=1");

        api.plan(ExecutionState.QUEUED, ExecutionState.FAILED);
        CliRun failed = cli.rgrid("run", script.toString(), "--output-dir", dir.resolve("none").toString());
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(dir.resolve("none")).doesNotExist();
        assertThat(failed.err()).contains("Outputs it stored, if any: rgrid outputs ");
    }

    @Test
    void outputsDownloadsListsAndPrintsJson() throws Exception {
        api.outputs(Map.of("a.txt", "A".getBytes(StandardCharsets.UTF_8)));
        UUID id = api.existing(ExecutionState.SUCCEEDED);
        Path target = dir.resolve("o");
        CliRun run = cli.rgrid("outputs", id.toString(), "--dir", target.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(target.resolve("a.txt")).hasContent("A");

        CliRun list = cli.rgrid("outputs", id.toString(), "--list");
        assertThat(list.out()).contains("1 B  a.txt");
        JsonNode json = Json.mapper().readTree(cli.rgrid("outputs", id.toString(), "--json").out());
        assertThat(json.path("outputs").get(0).path("name").asText()).isEqualTo("a.txt");

        api.outputs(Map.of());
        UUID empty = api.existing(ExecutionState.SUCCEEDED);
        assertThat(cli.rgrid("outputs", empty.toString(), "--dir", dir.resolve("e").toString()).err())
                .contains("stored no outputs");
    }

    @Test
    void outputsKeepTheirSubFoldersAndNamesThatCouldLeaveTheFolderAreRefusedOneByOne() throws Exception {
        Path absolute = dir.resolve("absolute.txt");
        Map<String, byte[]> files = new java.util.HashMap<>();
        for (String name : List.of("top.txt", "sub/b.txt", "sub/deeper/c d.txt", "../escape.txt", "sub/../../escape2.txt",
                absolute.toString(), "..\\..\\x")) {
            files.put(name, name.getBytes(StandardCharsets.UTF_8));
        }
        api.outputs(files);
        UUID id = api.existing(ExecutionState.SUCCEEDED);
        Path out = dir.resolve("out");
        Path target = out.resolve("nested");

        CliRun run = cli.rgrid("outputs", id.toString(), "--dir", target.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(target.resolve("top.txt")).hasContent("top.txt");
        assertThat(target.resolve("sub/b.txt")).hasContent("sub/b.txt");
        assertThat(target.resolve("sub/deeper/c d.txt")).hasContent("sub/deeper/c d.txt");
        try (var written = java.nio.file.Files.walk(dir)) {
            assertThat(written.filter(java.nio.file.Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith("config") && !p.startsWith("job")))
                    .containsExactlyInAnyOrder("out/nested/top.txt", "out/nested/sub/b.txt", "out/nested/sub/deeper/c d.txt");
        }
        assertThat(absolute).doesNotExist();
        assertThat(run.err()).contains("Downloaded 3 outputs")
                .contains("rgrid: not downloading an output: '../escape.txt' has a '..' segment; nothing is written outside " + target)
                .contains("rgrid: not downloading an output: 'sub/../../escape2.txt' has a '..' segment")
                .contains("rgrid: not downloading an output: '" + absolute + "' is an absolute path")
                .contains("rgrid: not downloading an output: '..\\..\\x' contains a backslash");
        assertThat(api.requests).contains("GET /api/v1/executions/" + id + "/outputs/sub/deeper/c d.txt")
                .noneMatch(r -> r.contains("escape") || r.contains("absolute") || r.contains("\\"));

        // rgrid run downloads the same way after a success.
        Path runDir = dir.resolve("run-out");
        CliRun submitted = cli.rgrid("run", script.toString(), "--output-dir", runDir.toString());
        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        assertThat(runDir.resolve("sub/deeper/c d.txt")).hasContent("sub/deeper/c d.txt");
        assertThat(submitted.err()).contains("Downloaded 3 outputs").contains("'../escape.txt' has a '..' segment");
        assertThat(dir.resolve("escape.txt")).doesNotExist();
    }

    @Test
    void listFollowsCursorPagesAndPassesFilters() throws Exception {
        api.maxPage = 2;
        for (int i = 0; i < 5; i++) {
            api.existing(i % 2 == 0 ? ExecutionState.SUCCEEDED : ExecutionState.FAILED);
        }
        CliRun all = cli.rgrid("list", "--limit", "4");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.out().lines()).hasSize(5).first().asString().startsWith("ID");
        assertThat(api.requests).contains("GET /api/v1/executions?limit=4", "GET /api/v1/executions?limit=2&cursor=2");
        assertThat(all.err()).contains("(more: rgrid list --limit 8)");

        CliRun failed = cli.rgrid("list", "--state", "failed", "--label", "team=ml", "--json");
        assertThat(api.requests).contains("GET /api/v1/executions?limit=20&state=FAILED&label=team=ml");
        assertThat(Json.mapper().readTree(failed.out()).isArray()).isTrue();

        api.maxPage = 500;
        CliRun onlyFailed = cli.rgrid("list", "-s", "FAILED", "--json");
        JsonNode items = Json.mapper().readTree(onlyFailed.out());
        assertThat(items).hasSize(2);
        assertThat(items.get(0).path("state").asText()).isEqualTo("FAILED");
    }

    @Test
    void retryPrintsTheNewIdAndJsonNamesTheOriginal() throws Exception {
        UUID id = api.existing(ExecutionState.FAILED);
        CliRun run = cli.rgrid("retry", id.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out().strip()).matches("[0-9a-f-]{36}").isNotEqualTo(id.toString());
        assertThat(run.err()).contains("Retrying " + id + " as ");
        assertThat(api.requests).contains("POST /api/v1/executions/" + id + "/retry");

        JsonNode json = Json.mapper().readTree(cli.rgrid("retry", id.toString(), "--json").out());
        assertThat(json.path("retryOf").asText()).isEqualTo(id.toString());
        assertThat(cli.rgrid("retry", UUID.randomUUID().toString()).exitCode()).isEqualTo(ExitCodes.API);
    }

    @Test
    void workersAndCostPrintTablesAndJson() throws Exception {
        CliRun workers = cli.rgrid("workers");
        assertThat(workers.exitCode()).as(workers.toString()).isZero();
        assertThat(workers.out()).contains("rgrid-worker-ab12cd", "READY", "0.0066");
        assertThat(Json.mapper().readTree(cli.rgrid("workers", "--json").out()).path("items")).hasSize(1);
        cli.rgrid("workers", "--all");
        assertThat(api.requests).contains("GET /api/v1/workers?all=true");

        CliRun cost = cli.rgrid("cost");
        assertThat(cost.out()).contains("Total  0.0123 EUR").containsPattern("rgrid-worker-ab12cd +0\\.0123 EUR");
        assertThat(Json.mapper().readTree(cli.rgrid("cost", "--json").out()).path("totalEur").asDouble()).isEqualTo(0.0123);
    }

    @Test
    void theLogIsStreamedLiveWhenTheApiOffersIt() {
        api.sse(true).log("line one\nline two\n");
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("line one\nline two\n");
        assertThat(api.requests).anyMatch(r -> r.endsWith("/logs?follow=true"));

        // The stream ended before the last lines: the stored log's remainder completes it.
        api.streamChars = 5;
        CliRun partial = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(partial.out()).isEqualTo("line one\nline two\n");
        api.streamChars = Integer.MAX_VALUE;

        UUID id = api.existing(ExecutionState.RUNNING, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        CliRun logs = cli.rgrid("logs", "-f", id.toString());
        assertThat(logs.out()).isEqualTo("line one\nline two\n");
    }

    /**
     * The end event announces the stored log's length; the CLI counted the bytes it printed and
     * fetches exactly the rest by a byte range (multi-byte text, so chars and bytes differ).
     */
    @Test
    void whatTheStreamMissedIsFetchedByItsByteRange() {
        api.sse(true).log("grüße ✓ eins\nzwei ✓\n");
        api.streamChars = 9; // "grüße ✓ " : 11 bytes
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("grüße ✓ eins\nzwei ✓\n");
        assertThat(api.requests).anyMatch(r -> r.endsWith("/logs?attempt=1"));
    }

    /**
     * The API ended the stream early for a slow reader ({@code resume} with the bytes sent): the
     * CLI says so and, once the execution ended, prints exactly the rest, nothing twice.
     */
    @Test
    void aStreamEndedForASlowReaderIsCompletedFromWhereItStopped() {
        api.sse(true).log("grüße ✓ eins\nzwei ✓\n");
        api.streamChars = 9; // "grüße ✓ " : 11 bytes
        api.streamResumes = true;
        try {
            CliRun run = cli.rgrid("run", script.toString(), "--no-download");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("grüße ✓ eins\nzwei ✓\n");
            assertThat(run.err()).contains("the live log stopped").doesNotContain("interrupted", "log incomplete");
        } finally {
            api.streamResumes = false;
            api.streamChars = Integer.MAX_VALUE;
        }
    }

    @Test
    void aRemainderThatFailsIsFetchedAgain() {
        api.sse(true).log("first\nsecond\n");
        api.streamChars = 6;
        api.logFailures.set(2);
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("first\nsecond\n");
        assertThat(run.err()).doesNotContain("log incomplete");
    }

    /** Never silently short: the user is told, and the command does not exit 0. */
    @Test
    void aLogThatCannotBeCompletedSaysSoAndExitsNonZero() {
        api.sse(true).log("first\nsecond\n");
        api.streamChars = 6;
        api.logFailures.set(100);
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.out()).isEqualTo("first\n");
        assertThat(run.err()).contains("log incomplete: printed 6 of 13 bytes of attempt 1", "rgrid logs ");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.API);

        UUID id = api.existing(ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        CliRun logs = cli.rgrid("logs", "-f", id.toString());
        assertThat(logs.err()).contains("log incomplete");
        assertThat(logs.exitCode()).isEqualTo(ExitCodes.API);
        api.logFailures.set(0);
    }

    @Test
    void withoutTheStreamTheStoredLogIsPrintedAtTheEnd() {
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello from the grid\n");
        assertThat(api.requests).anyMatch(r -> r.endsWith("/logs?follow=true"))
                .anyMatch(r -> r.endsWith("/logs?attempt=1"));
    }

    @Test
    void whileQueuedTheReasonIsShown() {
        UUID id = api.existing(ExecutionState.QUEUED, ExecutionState.QUEUED, ExecutionState.QUEUED,
                ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        api.queueJson = "{\"depth\":{\"QUEUED\":2,\"ASSIGNED\":0,\"RUNNING\":1},\"oldest\":{\"id\":\"" + id
                + "\",\"createdAt\":\"2025-01-01T10:00:00Z\",\"waitingSeconds\":3,\"reason\":\"PROVISIONING\","
                + "\"etaSeconds\":60,\"detail\":null}}";
        CliRun logs = cli.rgrid("logs", id.toString());
        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        assertThat(logs.err()).contains("waiting: provisioning a worker, ~60 s (2 queued, 1 running)");

        // No /queue (an older API): nothing said, nothing failed.
        api.queueJson = null;
        UUID other = api.existing(ExecutionState.QUEUED, ExecutionState.SUCCEEDED);
        CliRun quiet = cli.rgrid("logs", other.toString());
        assertThat(quiet.exitCode()).isZero();
        assertThat(quiet.err()).doesNotContain("waiting");
    }

    @Test
    void aRequirementsFileBesideTheScriptIsUsedAndSaidUnlessSkipped() throws Exception {
        Path requirements = cli.file("job/requirements.txt", "numpy\n");
        CliRun run = cli.rgrid("run", script.toString(), "--no-download");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("Using " + requirements + " (beside the script; --no-requirements skips it)");
        assertThat(cli.partNames(0)).contains("requirements:requirements.txt");

        CliRun skipped = cli.rgrid("run", script.toString(), "--no-requirements", "--no-download");
        assertThat(skipped.err()).doesNotContain("Using");
        assertThat(cli.partNames(1)).doesNotContain("requirements:requirements.txt");
    }

    @Test
    void batchRunsOneExecutionPerFileSummarisesAndFailsWhenOneFailed() throws Exception {
        cli.file("data/a.csv", "a");
        cli.file("data/b.csv", "b");
        api.outputs(Map.of("out.txt", "done".getBytes(StandardCharsets.UTF_8)));
        api.planBy(spec -> spec.args().get(0).equals("b.csv")
                ? List.of(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.FAILED)
                : List.of(ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED));
        Path out = dir.resolve("batch-out");
        CliRun run = cli.rgrid("run", script.toString(), "--batch", dir + "/data/*.csv", "--output-dir", out.toString(), "--", "-v");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(api.submissions).hasSize(2);
        SubmitSpec first = api.submissions.get(0).spec();
        assertThat(first.args()).containsExactly("a.csv", "-v");
        assertThat(first.env()).containsEntry("RGRID_BATCH_INPUT", "a.csv");
        assertThat(cli.partNames(1)).contains("inputs:b.csv").doesNotContain("inputs:a.csv");
        assertThat(out.resolve("a.csv/out.txt")).hasContent("done");
        assertThat(out.resolve("b.csv")).doesNotExist();
        assertThat(run.err()).contains("Submitted 2 executions of hello.py", "Batch: 1 of 2 succeeded")
                .containsPattern("b\\.csv: execution [0-9a-f-]{36} FAILED")
                .containsPattern("a\\.csv +[0-9a-f-]{36} +SUCCEEDED");
        assertThat(run.err()).doesNotContain("\033[");

        api.planBy(spec -> List.of(ExecutionState.QUEUED, ExecutionState.SUCCEEDED));
        CliRun ok = cli.rgrid("run", script.toString(), "--batch", dir + "/data/*.csv", "--no-download");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();

        CliRun detached = cli.rgrid("run", script.toString(), "--batch", dir + "/data/*.csv", "-d");
        assertThat(detached.out().lines()).hasSize(2).allMatch(l -> l.matches("[0-9a-f-]{36}"));
    }

    @Test
    void versionHasJson() throws Exception {
        JsonNode json = Json.mapper().readTree(cli.rgrid("version", "--json").out());
        assertThat(json.has("version")).isTrue();
        assertThat(json.path("java").asText()).isNotEmpty();
    }

    @Test
    void completionPrintsABashScript() {
        CliRun run = cli.rgrid("completion", "bash");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("complete -F", "rgrid", "outputs", "--batch");
        assertThat(cli.rgrid("completion", "fish").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void helpListsTheNewVerbsWithExamples() {
        CliRun help = cli.rgrid("--help");
        assertThat(help.out()).contains("list", "retry", "outputs", "workers", "cost", "completion", "--batch");
        for (String verb : List.of("list", "retry", "outputs", "run", "logs", "completion")) {
            assertThat(cli.rgrid(verb, "--help").out()).as(verb).contains("Example");
        }
    }
}
