package io.rgrid.worker.runtime.process;

import io.rgrid.model.agent.RunPidFiles;
import io.rgrid.model.event.LogStream;
import io.rgrid.testinfra.Processes;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ContainerRuntimeContract;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The contract against python3 child processes (needs python3 on the PATH). */
class ProcessRuntimeTest extends ContainerRuntimeContract {

    private static ProcessRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = new ProcessRuntime("python3");
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    @Test
    void agentEnvironmentIsNotInherited() throws Exception {
        Output output = new Output();
        RunResult result = runtime.run(request(workDir("""
                import os
                print(sorted(k for k in os.environ if k not in ('LC_CTYPE',)))
                """), Duration.ofSeconds(30), List.of(), Map.of("MINE", "1"), 256), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo(
                "['HOME', 'LANG', 'MINE', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', 'RGRID_WORK_DIR']\n");
    }

    @Test
    void networkNoneCutsTheScriptOffWhereTheHostAllows() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(runtime.enforcesNetworkNone(),
                "this host cannot create network namespaces (unshare --net)");
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String script = """
                    import socket
                    try:
                        socket.create_connection(('127.0.0.1', %d), timeout=2).close()
                        print('connected')
                    except OSError:
                        print('no network')
                    """.formatted(listener.getLocalPort());
            Output none = new Output();
            runtime.run(request(workDir(script), Duration.ofSeconds(30)), none);
            assertThat(none.of(LogStream.STDOUT)).isEqualTo("no network\n");
            Output bridge = new Output();
            runtime.run(new io.rgrid.worker.runtime.RunRequest("test-" + java.util.UUID.randomUUID(), workDir(script),
                    IMAGE, List.of(), Map.of(), 1.0, 256, Duration.ofSeconds(30), io.rgrid.model.NetworkMode.BRIDGE,
                    Map.of()), bridge);
            assertThat(bridge.of(LogStream.STDOUT)).isEqualTo("connected\n");
        }
    }

    /** Starts python3 with this code in a session of its own, as the runtime starts runs. */
    private static Process startInOwnSession(Path dir, String code) throws Exception {
        return new ProcessBuilder("setsid", "python3", "-c", code).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    }

    @Test
    void runsOfAnEarlierLifeOfTheWorkerAreKilledAsAWholeWithTheirWorkDirs() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc", "self")), "needs /proc");
        Path root = Files.createTempDirectory("rgrid-leftovers");
        String workerId = "w-left01";
        Path runDir = Files.createDirectories(root.resolve("run-1"));
        // The leftover: a script whose grandchild runs on, with the pid file its agent wrote.
        Process script = startInOwnSession(runDir, """
                import subprocess, sys, time
                child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])
                open('grandchild.pid', 'w').write(str(child.pid))
                time.sleep(300)
                """);
        try {
            Path grandchildFile = runDir.resolve("grandchild.pid");
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(grandchildFile)
                    && !Files.readString(grandchildFile).isBlank());
            long grandchild = Long.parseLong(Files.readString(grandchildFile).trim());
            long startTime = RunPidFiles.startTime(script.pid()).orElseThrow();
            Path pidFile = RunPidFiles.write(RunPidFiles.dir(root, workerId), workerId, "run-1", script.pid(),
                    startTime, runDir, Map.of(DockerRuntime.LABEL_EXECUTION_ID, "e-1", DockerRuntime.LABEL_ATTEMPT, "1",
                            DockerRuntime.LABEL_WORKER_ID, workerId));
            // Another worker's run in the same root is not ours to touch.
            Path otherFile = RunPidFiles.write(RunPidFiles.dir(root, "w-other1"), "w-other1", "run-2", script.pid(),
                    startTime, runDir, Map.of());

            int killed = new ProcessRuntime("python3", root, workerId).killLeftovers();

            assertThat(killed).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Processes.running(script.pid()) && !Processes.running(grandchild));
            assertThat(pidFile).doesNotExist();
            assertThat(runDir).doesNotExist();
            assertThat(otherFile).exists();
        } finally {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    @Test
    void aPidReusedByAnotherProcessIsLeftAlone() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc", "self")), "needs /proc");
        Path root = Files.createTempDirectory("rgrid-leftovers");
        String workerId = "w-left02";
        Process unrelated = startInOwnSession(root, "import time; time.sleep(300)");
        try {
            long startTime = RunPidFiles.startTime(unrelated.pid()).orElseThrow();
            // Same pid, but the recorded process started earlier: the pid was handed out again since.
            RunPidFiles.write(RunPidFiles.dir(root, workerId), workerId, "run-1", unrelated.pid(), startTime - 1,
                    root.resolve("run-1"), Map.of());

            assertThat(new ProcessRuntime("python3", root, workerId).killLeftovers()).isZero();
            assertThat(unrelated.isAlive()).isTrue();
        } finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void aBackgroundProcessWhoseParentExitedDoesNotOutliveTheRun() throws Exception {
        Path dir = workDir("""
                import subprocess, sys
                middle = subprocess.run([sys.executable, 'middle.py'], stdout=subprocess.PIPE, text=True)
                print(middle.stdout.strip(), flush=True)
                """);
        // Its parent exits at once, so the sleeper is no descendant of the run, only in its session.
        Files.writeString(dir.resolve("middle.py"), """
                import subprocess, sys
                p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                print(p.pid)
                """);
        Output output = new Output();
        RunResult result = runtime.run(request(dir, Duration.ofSeconds(30)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        long orphan = Long.parseLong(output.of(LogStream.STDOUT).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> !Processes.running(orphan));
    }
}
