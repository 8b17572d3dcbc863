package io.rgrid.worker.runtime;

import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.LogStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link ContainerRuntime} must do. Each implementation's test extends this class and
 * supplies the runtime; implementation-specific checks (isolation, hardening) live there.
 */
public abstract class ContainerRuntimeContract {

    public static final String IMAGE = "rgrid/python:3.11-local";

    @TempDir
    protected Path tmp;

    /** The runtime under test; called once per test. */
    protected abstract ContainerRuntime runtime();

    protected Path workDir(String script) throws IOException {
        Path dir = tmp.resolve("work-" + UUID.randomUUID());
        Files.createDirectories(dir.resolve(RunRequest.INPUTS));
        Files.createDirectories(dir.resolve(RunRequest.OUTPUTS));
        Files.writeString(dir.resolve(RunRequest.SCRIPT), script);
        return dir;
    }

    protected RunRequest request(Path dir, Duration timeout) {
        return request(dir, timeout, List.of(), Map.of(), 256);
    }

    protected RunRequest request(Path dir, Duration timeout, List<String> args, Map<String, String> env, int memoryMb) {
        return new RunRequest("test-" + UUID.randomUUID(), dir, IMAGE, args, env, 1.0, memoryMb, timeout,
                NetworkMode.NONE, Map.of("io.rgrid.test", "true"));
    }

    /** Collects a run's output in arrival order. */
    public static final class Output implements OutputListener {
        public final List<Map.Entry<LogStream, String>> lines = new CopyOnWriteArrayList<>();

        @Override
        public void onOutput(LogStream stream, String text) {
            lines.add(Map.entry(stream, text));
        }

        public String of(LogStream stream) {
            StringBuilder out = new StringBuilder();
            lines.stream().filter(e -> e.getKey() == stream).forEach(e -> out.append(e.getValue()));
            return out.toString();
        }
    }

    @Test
    void helloPrintsToStdout() throws Exception {
        Output output = new Output();
        RunResult result = runtime().run(request(workDir("print('hello from rgrid')\n"), Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).isZero();
        assertThat(result.oomKilled()).isFalse();
        assertThat(result.timedOut()).isFalse();
        assertThat(result.killed()).isFalse();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("hello from rgrid\n");
        assertThat(result.finishedAt()).isAfterOrEqualTo(result.startedAt());
    }

    @Test
    void exitCodeIsReported() throws Exception {
        RunResult result = runtime().run(request(workDir("import sys\nsys.exit(3)\n"), Duration.ofSeconds(60)), new Output());
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.oomKilled()).isFalse();
    }

    @Test
    void stderrIsCapturedSeparately() throws Exception {
        Output output = new Output();
        RunResult result = runtime().run(request(workDir("""
                import sys
                print('to out')
                print('to err', file=sys.stderr)
                raise SystemExit(1)
                """), Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("to out\n");
        assertThat(output.of(LogStream.STDERR)).isEqualTo("to err\n");
    }

    @Test
    void argsEnvAndInputsReachTheScript() throws Exception {
        Path dir = workDir("""
                import os, sys
                print(sys.argv[1:], os.environ['GREETING'])
                print(open('inputs/data.csv').read().strip())
                """);
        Files.writeString(dir.resolve("inputs/data.csv"), "a,b\n");
        Output output = new Output();
        RunResult result = runtime().run(request(dir, Duration.ofSeconds(60), List.of("one", "two words"),
                Map.of("GREETING", "hi"), 256), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("['one', 'two words'] hi\na,b\n");
    }

    @Test
    void outputsWrittenAppearInTheWorkDir() throws Exception {
        Path dir = workDir("""
                import os
                os.makedirs('outputs/sub', exist_ok=True)
                with open('outputs/result.txt', 'w') as f:
                    f.write('42')
                with open('outputs/sub/nested.txt', 'w') as f:
                    f.write('deep')
                """);
        Output output = new Output();
        RunResult result = runtime().run(request(dir, Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(dir.resolve("outputs/result.txt")).hasContent("42");
        assertThat(dir.resolve("outputs/sub/nested.txt")).hasContent("deep");
    }

    @Test
    void timeoutKillsTheRun() throws Exception {
        long start = System.nanoTime();
        RunResult result = runtime().run(request(workDir("import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n"),
                Duration.ofSeconds(2)), new Output());
        assertThat(result.timedOut()).isTrue();
        assertThat(result.killed()).isFalse();
        assertThat(result.exitCode()).isNotZero();
        // Well under the script's own 60 s sleep: the 2 s timeout ended it. How fast is the engine's business.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended by its timeout")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void killStopsARunningScript() throws Exception {
        ContainerRuntime runtime = runtime();
        RunRequest request = request(workDir("import time\nprint('started', flush=True)\ntime.sleep(60)\n"),
                Duration.ofSeconds(60));
        Output output = new Output();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return runtime.run(request, output);
            } catch (RunFailedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (output.lines.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("started\n");
        long killedAt = System.nanoTime();
        runtime.kill(request.runId());
        RunResult result = run.get(20, TimeUnit.SECONDS);
        assertThat(result.killed()).isTrue();
        assertThat(result.timedOut()).isFalse();
        assertThat(result.exitCode()).isNotZero();
        // Well under the script's own sleep: the kill ended it. How fast is the engine's business.
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void killBeforeStartStillStopsTheRun() throws Exception {
        ContainerRuntime runtime = runtime();
        RunRequest request = request(workDir("import time\ntime.sleep(60)\n"), Duration.ofSeconds(60));
        runtime.kill(request.runId());
        RunResult result = runtime.run(request, new Output());
        assertThat(result.killed()).isTrue();
    }

    @Test
    void memoryLimitIsEnforcedAndReportedAsOom() throws Exception {
        Output output = new Output();
        RunResult result = runtime().run(request(workDir("""
                chunks = []
                for i in range(64):
                    chunks.append(bytearray(16 * 1024 * 1024))
                print('allocated everything')
                """), Duration.ofSeconds(60), List.of(), Map.of(), 64), output);
        assertThat(output.of(LogStream.STDOUT)).doesNotContain("allocated everything");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.oomKilled()).isTrue();
    }

    @Test
    void outputIsDecodedAsUtf8Lines() throws Exception {
        Output output = new Output();
        RunResult result = runtime().run(request(workDir("print('grüße ✓')\nprint('x' * 100000)\n"),
                Duration.ofSeconds(60), List.of(), Map.of("PYTHONIOENCODING", "utf-8"), 256), output);
        assertThat(result.exitCode()).isZero();
        String out = output.of(LogStream.STDOUT);
        assertThat(out).startsWith("grüße ✓\n");
        assertThat(out).hasSize("grüße ✓\n".length() + 100001);
        assertThat(new String(out.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(out);
    }
}
