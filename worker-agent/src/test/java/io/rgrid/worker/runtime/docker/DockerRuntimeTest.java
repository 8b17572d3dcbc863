package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.LogStream;
import io.rgrid.testinfra.Requirements;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ContainerRuntimeContract;
import io.rgrid.worker.runtime.ExitSignals;
import io.rgrid.worker.runtime.OomDecision;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract against a real Docker engine, plus the hardening only containers give. Needs
 * Docker and the image {@value ContainerRuntimeContract#IMAGE}: skipped loudly when no engine
 * answers, failed instead when CI=true or RGRID_REQUIRE_DOCKER=true.
 */
public class DockerRuntimeTest extends ContainerRuntimeContract {

    static final String DOCKER_HOST = "unix:///var/run/docker.sock";
    private static DockerRuntime runtime;

    /** Skips (or, in CI, fails) the calling test class when Docker or the test image is missing. */
    public static void requireDocker() {
        Optional<String> problem = DockerRuntime.ping(DOCKER_HOST, Duration.ofSeconds(3));
        if (problem.isEmpty()) {
            problem = imageMissing();
        }
        Requirements.docker(problem.map(why -> "Docker tests need an engine at " + DOCKER_HOST + " and the image "
                + IMAGE + ": " + why));
    }

    private static Optional<String> imageMissing() {
        try {
            engine(client -> client.inspectImageCmd(IMAGE).exec());
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of("image missing (" + e.getMessage() + ")");
        }
    }

    /** One call to the engine through a client of the test's own. */
    private static <T> T engine(Function<DockerClient, T> call) throws IOException {
        try (DockerClient client = DockerClientImpl.getInstance(
                DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(DOCKER_HOST).build(),
                new ApacheDockerHttpClient.Builder().dockerHost(URI.create(DOCKER_HOST)).build())) {
            return call.apply(client);
        }
    }

    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    private static final String MEMORY_BOMB = """
            chunks = []
            for i in range(64):
                chunks.append(bytearray(16 * 1024 * 1024))
            print('allocated everything')
            """;

    @BeforeAll
    static void startRuntime() {
        requireDocker();
        runtime = new DockerRuntime(DOCKER_HOST, new DockerRuntime.Settings(64, 32, Duration.ofSeconds(20)));
    }

    @AfterAll
    static void closeRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    @Test
    void containerIsHardened() throws Exception {
        Path dir = workDir(HardeningProbe.SCRIPT + """
                open('/tmp/scratch', 'w').write('ok')
                print('tmp writable')
                import socket
                try:
                    socket.create_connection(('1.1.1.1', 53), timeout=2)
                    print('network reachable')
                except OSError:
                    print('no network')
                """);
        Output output = new Output();
        RunResult result = runtime.run(request(dir, Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo(HardeningProbe.EXPECTED + """
                tmp writable
                no network
                """);
    }

    @Test
    void pidsAreLimited() throws Exception {
        Path dir = workDir("""
                import subprocess
                procs = []
                try:
                    for i in range(200):
                        procs.append(subprocess.Popen(['sleep', '5']))
                    print('started all')
                except OSError:
                    print('limited at', len(procs))
                for p in procs:
                    p.kill()
                """);
        Output output = new Output();
        RunResult result = runtime.run(request(dir, Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).startsWith("limited at");
    }

    @Test
    void containerIsLabelledAndRemovedAfterwards() throws Exception {
        String workerId = "rgrid-worker-t" + UUID.randomUUID().toString().substring(0, 5);
        RunRequest request = new RunRequest("test-" + UUID.randomUUID(), workDir("print(1)\n"), IMAGE, List.of(),
                Map.of(), 0.5, 128, Duration.ofSeconds(30), NetworkMode.BRIDGE,
                Map.of(DockerRuntime.LABEL_WORKER_ID, workerId));
        runtime.run(request, new Output());
        assertThat(runtime.removeLeftovers(workerId)).isZero();
    }

    @Test
    void missingImageThatCannotBePulledFailsTheRun() throws Exception {
        RunRequest request = new RunRequest("test-" + UUID.randomUUID(), workDir("print(1)\n"),
                "rgrid/does-not-exist:never", List.of(), Map.of(), 0.5, 128, Duration.ofSeconds(30),
                NetworkMode.NONE, Map.of());
        var thrown = org.assertj.core.api.Assertions.catchThrowableOfType(
                io.rgrid.worker.runtime.RunFailedException.class, () -> runtime.run(request, new Output()));
        assertThat(thrown).isNotNull();
        assertThat(thrown.reason()).isEqualTo(io.rgrid.model.FailureReason.IMAGE_PULL_FAILED);
    }

    @Test
    void cpuAndMemoryLimitsReachTheCgroup() throws Exception {
        Path dir = workDir("""
                import os
                def read(*paths):
                    for p in paths:
                        if os.path.exists(p):
                            return open(p).read().strip()
                    return 'missing'
                v2 = read('/sys/fs/cgroup/cpu.max')
                if v2 != 'missing':
                    quota, period = v2.split()
                else:
                    quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us')
                    period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us')
                print('cpus', int(quota) / int(period))
                print('memory', read('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'))
                print('pids', read('/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max'))
                """);
        RunRequest request = new RunRequest("test-" + UUID.randomUUID(), dir, IMAGE, List.of(), Map.of(), 0.5, 96,
                Duration.ofSeconds(60), NetworkMode.NONE, Map.of());
        Output output = new Output();
        RunResult result = runtime.run(request, output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("cpus 0.5\nmemory " + 96L * 1024 * 1024 + "\npids 64\n");
    }

    /**
     * The OOM verdict must not rest on Docker's flag alone: on some machines (Docker 20.10, cgroup
     * v1, kernel 6.18) it stays false. Wherever the engine uses the cgroupfs driver and the agent is
     * root (CI, the local grid, the rehearsal's nodes), the kernel's own count must be read and must
     * see the kill by itself; with the systemd driver, the flag must.
     */
    @Test
    void theKernelsOwnOomCountIsReadWhereTheEngineLetsUs() throws Exception {
        String driver = engine(client -> client.infoCmd().exec().getCGroupDriver());
        boolean root = "root".equals(System.getProperty("user.name"));
        Output output = new Output();
        RunRequest request = request(workDir(MEMORY_BOMB), Duration.ofSeconds(60), List.of(), Map.of(), 64);
        RunResult result = runtime.run(request, output);
        assertThat(result.oomKilled()).as("%s / %s", result, output.lines).isTrue();
        if ("cgroupfs".equals(driver) && root) {
            assertThat(runtime.readsKernelOomCount()).as("cgroupfs driver and root: the kernel's record is read").isTrue();
            ExitSignals signals = result.signals();
            if (Files.isDirectory(CGROUPS.resolve("memory"))) { // v1: the peak and the host's count, together
                assertThat(signals.memoryLimitReached()).as("%s", signals).isTrue();
                assertThat(signals.hostOomKills()).as("%s", signals).isNotNull().isPositive();
            } else { // v2: the subtree's own count
                assertThat(signals.cgroupOomKills()).as("%s", signals).isNotNull().isPositive();
            }
            // The verdict stands on the kernel's record alone, whatever Docker's flag said.
            assertThat(OomDecision.decide(new ExitSignals(signals.exitCode(), false, false, signals.cgroupOomKills(),
                    signals.memoryLimitReached(), signals.hostOomKills(), false)).oomKilled()).isTrue();
            assertThat(result.memory().evidence()).contains("kernel");
        } else {
            assertThat(result.signals().engineOomFlag()).as("driver %s: Docker's flag is the signal", driver).isTrue();
        }
        // Nothing of the run's parent cgroup is left behind, in any hierarchy (v1) or the one (v2).
        String name = ContainerSpecs.containerName(request.runId());
        List<Path> places = new ArrayList<>(List.of(CGROUPS.resolve(RunCgroups.BASE).resolve(name)));
        try (Stream<Path> hierarchies = Files.list(CGROUPS)) {
            hierarchies.forEach(hierarchy -> places.add(hierarchy.resolve(RunCgroups.BASE).resolve(name)));
        }
        assertThat(places.stream().filter(Files::exists)).isEmpty();
    }

    @Test
    void aChildKilledForMemoryIsToldButAScriptThatCarriesOnSucceeds() throws Exception {
        Output output = new Output();
        RunResult result = runtime.run(request(workDir("""
                import subprocess, sys
                child = subprocess.run([sys.executable, '-c', '''%s'''])
                print('child exited', child.returncode)
                """.formatted(MEMORY_BOMB)), Duration.ofSeconds(60), List.of(), Map.of(), 64), output);
        assertThat(output.of(LogStream.STDOUT)).as("%s", output.lines).contains("child exited -9");
        assertThat(result.exitCode()).isZero();
        assertThat(result.oomKilled()).isFalse();
        assertThat(result.memory().outcome()).isEqualTo(OomDecision.Outcome.SURVIVED);
    }

    @Test
    void inputsAreReadOnlyAndOutputsWritable() throws Exception {
        Path dir = workDir("""
                print(open('inputs/data.txt').read().strip())
                try:
                    open('inputs/data.txt', 'a').write('tampered')
                    print('inputs writable')
                except OSError:
                    print('inputs read-only')
                try:
                    open('inputs/new.txt', 'w').write('x')
                    print('inputs dir writable')
                except OSError:
                    print('inputs dir read-only')
                open('outputs/out.txt', 'w').write('ok')
                print('outputs writable')
                """);
        java.nio.file.Files.writeString(dir.resolve("inputs/data.txt"), "the input\n");
        Output output = new Output();
        RunResult result = runtime.run(request(dir, Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT))
                .isEqualTo("the input\ninputs read-only\ninputs dir read-only\noutputs writable\n");
        assertThat(java.nio.file.Files.readString(dir.resolve("inputs/data.txt"))).isEqualTo("the input\n");
    }

    @Test
    void aPullThatHangsFailsWithinItsDeadline() throws Exception {
        // A "registry" that accepts connections and never answers: the pull can only end by our deadline.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             DockerRuntime shortPull = new DockerRuntime(DOCKER_HOST,
                     new DockerRuntime.Settings(64, 32, Duration.ofSeconds(2)))) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            String image = "127.0.0.1:" + silent.getLocalPort() + "/rgrid/hangs:1";
            RunRequest request = new RunRequest("test-" + UUID.randomUUID(), workDir("print(1)\n"), image, List.of(),
                    Map.of(), 0.5, 128, Duration.ofSeconds(30), NetworkMode.NONE, Map.of());
            long started = System.nanoTime();
            var thrown = org.assertj.core.api.Assertions.catchThrowableOfType(
                    io.rgrid.worker.runtime.RunFailedException.class, () -> shortPull.run(request, new Output()));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(thrown).isNotNull();
            assertThat(thrown.reason()).isEqualTo(io.rgrid.model.FailureReason.IMAGE_PULL_FAILED);
            // Not a speed bound: a pull that hangs is ended by the 2 s pull timeout, well before the run's 30 s limit.
            assertThat(took).as("ended by the pull timeout").isLessThan(Duration.ofSeconds(25));
            for (java.net.Socket socket : held) {
                socket.close();
            }
            acceptor.interrupt();
        }
    }

    @Test
    void leftoverContainersOfThisWorkerAreRemovedOthersKept() throws Exception {
        String mine = "rgrid-worker-m" + UUID.randomUUID().toString().substring(0, 5);
        String other = "rgrid-worker-o" + UUID.randomUUID().toString().substring(0, 5);
        try (var client = com.github.dockerjava.core.DockerClientImpl.getInstance(
                com.github.dockerjava.core.DefaultDockerClientConfig.createDefaultConfigBuilder()
                        .withDockerHost(DOCKER_HOST).build(),
                new com.github.dockerjava.httpclient5.ApacheDockerHttpClient.Builder()
                        .dockerHost(java.net.URI.create(DOCKER_HOST)).build())) {
            String orphan = client.createContainerCmd(IMAGE).withCmd("sleep", "300")
                    .withLabels(Map.of(DockerRuntime.LABEL_WORKER_ID, mine)).exec().getId();
            client.startContainerCmd(orphan).exec();
            String foreign = client.createContainerCmd(IMAGE).withCmd("sleep", "300")
                    .withLabels(Map.of(DockerRuntime.LABEL_WORKER_ID, other)).exec().getId();
            try {
                assertThat(runtime.removeLeftovers(mine)).isEqualTo(1);
                assertThat(client.listContainersCmd().withShowAll(true).withIdFilter(List.of(orphan)).exec()).isEmpty();
                assertThat(client.listContainersCmd().withShowAll(true).withIdFilter(List.of(foreign)).exec()).hasSize(1);
            } finally {
                client.removeContainerCmd(foreign).withForce(true).exec();
            }
        }
    }

    @Test
    void imageReferencesWithoutTagGetLatest() {
        assertThat(DockerImages.hasTagOrDigest("python")).isFalse();
        assertThat(DockerImages.hasTagOrDigest("localhost:5000/python")).isFalse();
        assertThat(DockerImages.hasTagOrDigest("localhost:5000/python:3.11")).isTrue();
        assertThat(DockerImages.hasTagOrDigest("python@sha256:abc")).isTrue();
    }
}
