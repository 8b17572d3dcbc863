package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ContainerRuntimeContract;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract again, on warm containers ({@link WarmPool}): before each test a container of the
 * contract's shape waits, so its runs take one (a test of another shape goes the usual way).
 * Plus what only the pool has: one container per run, hardening and limits as created, the
 * environment given at start, the fallback when a waiting container died, and the clean-up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class WarmContainersTest extends ContainerRuntimeContract {

    private static final String WORKER_ID = "rgrid-worker-w" + UUID.randomUUID().toString().substring(0, 5);
    private static final int SLOTS = 2;

    @TempDir
    static Path poolRoot;
    private static DockerRuntime runtime;
    private static DockerClient client;

    @BeforeAll
    static void startRuntime() {
        DockerRuntimeTest.requireDocker();
        runtime = new DockerRuntime(DockerRuntimeTest.DOCKER_HOST, new DockerRuntime.Settings(64, 32, Duration.ofSeconds(20)),
                new DockerRuntime.Warmth(1, SLOTS, poolRoot.resolve("warm"), WORKER_ID));
        client = DockerRuntime.client(DockerRuntimeTest.DOCKER_HOST, Duration.ofSeconds(30));
    }

    @AfterAll
    static void closeRuntime() throws Exception {
        if (runtime != null) {
            runtime.close();
            // Closing removed every waiting container.
            assertThat(warmContainers()).isEmpty();
            client.close();
        }
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    /** The contract's usual shape is warm before each test. */
    @BeforeEach
    void warmUp() throws Exception {
        awaitWarm(request(workDir("pass\n"), Duration.ofSeconds(60)));
    }

    /** Runs scripts of the request's shape (so the pool turns to it) and waits until a container of it waits. */
    private void awaitWarm(RunRequest shape) throws Exception {
        for (int i = 0; i < WarmShapeDecision.TURN_OVER_AFTER; i++) {
            runtime.run(new RunRequest("test-" + UUID.randomUUID(), shape.workDir(), shape.image(), List.of(), Map.of(),
                    shape.cpus(), shape.memoryMb(), shape.timeout(), shape.network(), Map.of()), new Output());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> runtime.warmWaiting() >= SLOTS);
    }

    private static List<Container> warmContainers() {
        return client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_WORKER_ID, WORKER_ID, WarmPool.LABEL_WARM, "true")).exec();
    }

    @Test
    void aRunTakesAWaitingContainerRenamedForItAndRemovedAfterwards() throws Exception {
        Instant asked = Instant.now();
        long warmBefore = runtime.warmRuns();
        RunRequest request = request(workDir("import socket\nprint(socket.gethostname())\n"), Duration.ofSeconds(60));
        AtomicReference<InspectContainerResponse> during = new AtomicReference<>();
        Output output = new Output();
        OutputListener watching = (stream, text) -> {
            output.onOutput(stream, text);
            during.compareAndSet(null, client.inspectContainerCmd(ContainerSpecs.containerName(request.runId())).exec());
        };
        ContainerRuntime.Finished finished = runtime.runKeeping(request, watching);
        assertThat(finished.result().exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore + 1);
        InspectContainerResponse container = during.get();
        assertThat(container).as("the container, found under the run's name while it ran").isNotNull();
        // Made before the run was asked for: its create and start were not on the run's path.
        assertThat(Instant.parse(container.getCreated())).isBefore(asked);
        assertThat(container.getConfig().getLabels()).containsEntry(WarmPool.LABEL_WARM, "true")
                .containsEntry(DockerRuntime.LABEL_WORKER_ID, WORKER_ID);
        assertThat(output.of(LogStream.STDOUT).strip()).isEqualTo(container.getConfig().getHostName());
        finished.release().run();
        assertThat(client.listContainersCmd().withShowAll(true).withIdFilter(List.of(container.getId())).exec()).isEmpty();
    }

    @Test
    void everyRunHasAContainerOfItsOwn() throws Exception {
        String script = "import socket, os\nprint(socket.gethostname(), os.getpid())\n"
                + "open('/tmp/mark', 'a').write('x')\nprint(len(open('/tmp/mark').read()))\n";
        Output first = new Output();
        Output second = new Output();
        runtime.run(request(workDir(script), Duration.ofSeconds(60)), first);
        runtime.run(request(workDir(script), Duration.ofSeconds(60)), second);
        String[] a = first.of(LogStream.STDOUT).split("\\s+");
        String[] b = second.of(LogStream.STDOUT).split("\\s+");
        assertThat(a[0]).isNotEqualTo(b[0]);
        // The script is the container's main process, as in one created for it; /tmp starts empty.
        assertThat(a[1]).isEqualTo("1");
        assertThat(b[1]).isEqualTo("1");
        assertThat(a[2]).isEqualTo("1");
        assertThat(b[2]).isEqualTo("1");
    }

    @Test
    void hardeningAndLimitsHoldAndTheEnvironmentIsTheRunsOnly() throws Exception {
        Path dir = workDir(HardeningProbe.SCRIPT + """
                print('memory', open('/sys/fs/cgroup/memory.max').read().strip() if os.path.exists('/sys/fs/cgroup/memory.max') else 'v1')
                print('secret', os.environ.get('RGRID_SECRET'))
                print('unbuffered', os.environ.get('PYTHONUNBUFFERED'))
                print('cwd', os.getcwd())
                try:
                    open('/work/inputs/new', 'w')
                    print('inputs writable')
                except OSError:
                    print('inputs read-only')
                """);
        long warmBefore = runtime.warmRuns();
        RunRequest request = request(dir, Duration.ofSeconds(60), List.of(), Map.of("RGRID_SECRET", "s3cr3t"), 256);
        AtomicReference<List<String>> inspectedEnv = new AtomicReference<>();
        Output output = new Output();
        OutputListener watching = (stream, text) -> {
            output.onOutput(stream, text);
            inspectedEnv.compareAndSet(null, List.of(client.inspectContainerCmd(
                    ContainerSpecs.containerName(request.runId())).exec().getConfig().getEnv()));
        };
        RunResult result = runtime.run(request, watching);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore + 1);
        String memory = Files.exists(Path.of("/sys/fs/cgroup/memory.max")) ? Long.toString(256L * 1024 * 1024) : "v1";
        assertThat(output.of(LogStream.STDOUT)).isEqualTo(HardeningProbe.EXPECTED
                + "memory " + memory + "\nsecret s3cr3t\nunbuffered 1\ncwd /work\ninputs read-only\n");
        // Given at start, not at create: the engine's record of the container does not hold it.
        assertThat(inspectedEnv.get()).noneMatch(e -> e.contains("s3cr3t"));
    }

    @Test
    void anOomKillInAWarmContainerIsReportedAsOom() throws Exception {
        RunRequest shape = new RunRequest("test-" + UUID.randomUUID(), workDir("pass\n"), IMAGE, List.of(), Map.of(),
                1.0, 64, Duration.ofSeconds(60), NetworkMode.NONE, Map.of());
        awaitWarm(shape);
        long warmBefore = runtime.warmRuns();
        RunRequest bomb = new RunRequest("test-" + UUID.randomUUID(), workDir("""
                chunks = []
                for i in range(64):
                    chunks.append(bytearray(16 * 1024 * 1024))
                print('allocated everything')
                """), IMAGE, List.of(), Map.of(), 1.0, 64, Duration.ofSeconds(60), NetworkMode.NONE, Map.of());
        RunResult result = runtime.run(bomb, new Output());
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore + 1);
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.oomKilled()).as("%s", result).isTrue();
    }

    @Test
    void runsOfAnotherShapeGoTheUsualWayAndTwoInARowTurnTheWaitingContainersOver() throws Exception {
        long warmBefore = runtime.warmRuns();
        RunRequest other = new RunRequest("test-" + UUID.randomUUID(), workDir("print('cold')\n"), IMAGE, List.of(),
                Map.of(), 0.5, 200, Duration.ofSeconds(60), NetworkMode.NONE, Map.of());
        Output output = new Output();
        assertThat(runtime.run(other, output).exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("cold\n");
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore);
        // One run of another shape leaves the pool as it is: the usual shape is still served warm.
        assertThat(warmContainers()).allSatisfy(c -> assertThat(client.inspectContainerCmd(c.getId()).exec()
                .getHostConfig().getMemory()).isEqualTo(256L * 1024 * 1024));
        runtime.run(request(workDir("pass\n"), Duration.ofSeconds(60)), new Output());
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore + 1);
        // Two of the other shape in a row turn it over.
        for (int i = 0; i < WarmShapeDecision.TURN_OVER_AFTER; i++) {
            runtime.run(new RunRequest("test-" + UUID.randomUUID(), workDir("pass\n"), IMAGE, List.of(), Map.of(), 0.5,
                    200, Duration.ofSeconds(60), NetworkMode.NONE, Map.of()), new Output());
        }
        assertThat(runtime.warmRuns()).isEqualTo(warmBefore + 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(warmContainers())
                .hasSize(SLOTS)
                .allSatisfy(c -> assertThat(client.inspectContainerCmd(c.getId()).exec().getHostConfig().getMemory())
                        .isEqualTo(200L * 1024 * 1024)));
    }

    @Test
    void aWaitingContainerThatDiedIsPassedOverAndTheRunStillRuns() throws Exception {
        for (Container waiting : warmContainers()) {
            client.killContainerCmd(waiting.getId()).exec();
        }
        Path dir = workDir("print(open('inputs/data.txt').read())\n");
        Files.writeString(dir.resolve(RunRequest.INPUTS).resolve("data.txt"), "the input");
        Output output = new Output();
        RunResult result = runtime.run(request(dir, Duration.ofSeconds(60)), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo("the input\n");
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it takes the waiting containers away from the pool
    void leftoversOfAnEarlierLifeIncludeItsWaitingContainers() {
        // What a new agent of the same worker id finds after a kill -9: the waiting containers, labelled with it.
        assertThat(warmContainers()).isNotEmpty();
        DockerRuntime other = new DockerRuntime(DockerRuntimeTest.DOCKER_HOST,
                new DockerRuntime.Settings(64, 32, Duration.ofSeconds(20)));
        try {
            assertThat(other.removeLeftovers(WORKER_ID)).isGreaterThanOrEqualTo(SLOTS);
        } finally {
            other.close();
        }
        assertThat(warmContainers()).isEmpty();
    }
}
