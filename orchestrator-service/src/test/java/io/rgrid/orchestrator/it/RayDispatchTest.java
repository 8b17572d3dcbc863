package io.rgrid.orchestrator.it;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.ray.RayDispatcher;
import io.rgrid.orchestrator.dispatch.ray.RayTestSupport;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ray dispatch mode end to end, against a real Ray 2.58 head on loopback (one node offering CPUs
 * and {@code rgrid_worker}), a real worker-agent (process runtime) and the orchestrator as a Ray
 * Java driver running with the installed {@code ray_dist.jar} ({@link RayGridResource}). Without
 * Ray the class is skipped before anything starts (fails when CI=true), naming what is missing.
 */
@ExtendWith(RayTestSupport.Required.class)
@QuarkusTest
@TestProfile(RayGridProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RayDispatchTest {

    private static final Pattern TASK_PID = Pattern.compile("rgrid-ray-task: execution (\\S+) attempt (\\d+) in pid (\\d+)");

    @Inject
    RgridConfig config;

    @Inject
    RayDispatcher ray;

    @Inject
    AgroalDataSource dataSource;

    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        assertThat(ray.active()).as("the orchestrator dispatches through Ray").isTrue();
        // Leftovers of earlier runs in this class's own namespace; this run's static agent stays.
        try (Connection c = dataSource.getConnection();
             PreparedStatement end = c.prepareStatement("UPDATE executions SET state = 'CANCELLED', "
                     + "updated_at = now() WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')");
             PreparedStatement forget = c.prepareStatement(
                     "UPDATE workers SET state = 'DELETED', updated_at = now() WHERE id <> ?")) {
            end.executeUpdate();
            forget.setString(1, RayGridResource.workerId);
            forget.executeUpdate();
        }
        grid = new GridEvents(config);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (grid != null) {
            grid.close();
        }
    }

    @Test
    void fiveExecutionsRunEndToEndThroughRay() throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            UUID id = Ids.newExecutionId();
            ids.add(id);
            grid.submit(id, "project-ray", GridEvents.spec(0.5, 128, 2), "print('hello from ray " + i + "')\n");
        }
        for (UUID id : ids) {
            ExecutionStatusChanged succeeded = grid.awaitStatus(id, ExecutionState.SUCCEEDED);
            assertThat(succeeded.attempt()).isEqualTo(1);
            assertThat(succeeded.exitCode()).isZero();
            assertThat(succeeded.reportedBy()).isEqualTo(RayGridResource.workerId);
            ExecutionStatusChanged assigned = grid.awaitStatus(id, ExecutionState.ASSIGNED);
            assertThat(assigned.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
            assertThat(assigned.workerId()).as("Ray places it, not the orchestrator").isEqualTo(RayDispatcher.PLACEMENT);
            assertThat(grid.awaitStatus(id, ExecutionState.RUNNING).workerId()).isEqualTo(RayGridResource.workerId);
        }
    }

    @Test
    void killingTheRayWorkerOfATaskRequeuesItsExecutionWhichCompletesOnTheNextAttemptAlone() throws Exception {
        UUID id = Ids.newExecutionId();
        // Long enough that attempt 1 is surely still running when its Ray worker is killed.
        // Each attempt holds an exclusive lock on a file the two attempts share (the process runtime
        // runs both on this host). The kernel drops the lock only when the holder's process is gone,
        // so attempt 2 exits 3 if attempt 1 is still alive when it starts: the most direct evidence of
        // "never two attempts at once", whether attempt 1 was ended by the dispatcher's fence (a
        // CANCELLED report) or by the heartbeat's stopping fence (no report), whichever came first.
        Path lock = Files.createTempFile("rgrid-ray-kill-", ".lock",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        grid.submit(id, "project-ray-kill", GridEvents.spec(0.5, 128, 3), """
                import fcntl, sys, time
                held = open(%s)  # flock needs no write access
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    print('another attempt is still running', flush=True)
                    sys.exit(3)
                print('attempt starting', flush=True)
                time.sleep(20)
                print('attempt done')
                """.formatted(pythonString(lock.toString())));
        grid.awaitStatus(id, ExecutionState.RUNNING);
        long pid = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> taskPid(id, 1), Optional::isPresent).orElseThrow();
        assertThat(ProcessHandle.of(pid)).as("the Ray worker running attempt 1").isPresent();
        assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse(""))
                .contains("io.ray.runtime.runner.worker.DefaultWorker");
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();

        ExecutionStatusChanged requeued = grid.awaitStatus(id, ExecutionState.QUEUED);
        assertThat(requeued.attempt()).isEqualTo(2);
        assertThat(requeued.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        assertThat(requeued.message()).contains("attempt 1").contains("Ray task failed");

        ExecutionStatusChanged ended = await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
                .until(() -> grid.statuses(id).stream().filter(s -> s.attempt() >= 2 && s.state().isTerminal())
                        .findFirst().orElse(null), Objects::nonNull);
        // Exit 0 on attempt 2 means its lock was free: attempt 1's process was gone when it started.
        assertThat(ended.state()).as("attempt 2 ended: " + ended).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(ended.attempt()).isEqualTo(2);
        assertThat(ended.exitCode()).as("attempt 2 found attempt 1 still running (exit 3)").isZero();

        List<ExecutionStatusChanged> statuses = grid.statuses(id);
        assertThat(statuses).filteredOn(s -> s.attempt() == 1 && s.state() == ExecutionState.SUCCEEDED).isEmpty();
        Files.deleteIfExists(lock);
    }

    private static String pythonString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void aUsersCancelEndsARayPlacedExecutionCancelled() throws Exception {
        UUID id = Ids.newExecutionId();
        grid.submit(id, "project-ray-cancel", GridEvents.spec(0.5, 128, 3), "import time\ntime.sleep(120)\n");
        // As early as possible: usually while Ray is still placing it (no agent named yet), in which
        // case the dispatcher passes the cancel on once the agent's RUNNING report names it.
        grid.awaitStatus(id, ExecutionState.ASSIGNED);
        grid.send(new ExecutionCancelRequested(id, "project-ray-cancel", Instant.now()));

        ExecutionStatusChanged cancelled = grid.awaitStatus(id, ExecutionState.CANCELLED);
        assertThat(cancelled.attempt()).isEqualTo(1);
        assertThat(grid.statuses(id)).filteredOn(s -> s.attempt() > 1).isEmpty();
    }

    /**
     * The head refuses a client without the token (what a script that reached the private network
     * would be), and one with a wrong token; the same call with the head's token is answered, so
     * the refusals are the token's doing. The orchestrator's driver authenticates from its
     * environment (the other tests dispatch through it).
     */
    @Test
    void theRayHeadRefusesClientsWithoutItsToken() throws Exception {
        String token = Files.readString(Path.of(System.getenv("RAY_AUTH_TOKEN_PATH"))).trim();

        GcsCall anonymous = GcsCall.run(Map.of());
        assertThat(anonymous.exit()).as(anonymous.output()).isNotZero();
        assertThat(anonymous.output()).containsIgnoringCase("auth");

        GcsCall wrong = GcsCall.run(Map.of("RAY_AUTH_MODE", "token", "RAY_AUTH_TOKEN", "0".repeat(64)));
        assertThat(wrong.exit()).as(wrong.output()).isNotZero();
        assertThat(wrong.output()).containsIgnoringCase("auth");

        GcsCall right = GcsCall.run(Map.of("RAY_AUTH_MODE", "token", "RAY_AUTH_TOKEN", token));
        assertThat(right.exit()).as(right.output()).isZero();
        assertThat(right.output()).contains("GCS ANSWERED");
    }

    /** One call to the head's GCS from the venv's Python, with exactly the given Ray auth settings. */
    private record GcsCall(int exit, String output) {

        private static final String SCRIPT = """
                import sys
                from ray._raylet import GcsClient
                value = GcsClient(address=sys.argv[1]).internal_kv_get(b"rgrid-probe", None, timeout=10)
                print("GCS ANSWERED", value)
                """;

        static GcsCall run(Map<String, String> auth) throws IOException, InterruptedException {
            Path dir = RayGridResource.work.resolve("gcs-client");
            Files.createDirectories(dir);
            Path out = dir.resolve("output.txt");
            ProcessBuilder pb = new ProcessBuilder(RayGridResource.venv.resolve("bin/python").toString(), "-c", SCRIPT,
                    "127.0.0.1:" + RayGridResource.gcsPort).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("RAY_AUTH_"));
            env.put("HOME", dir.toString()); // no ~/.ray/auth_token to fall back on
            env.putAll(auth);
            Process p = pb.start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            return new GcsCall(ended ? p.exitValue() : -1, ended ? text : "no answer within 60 s: " + text);
        }
    }

    /** The PID of the Ray worker running the task of that attempt, from the line the task logs at its start. */
    private static Optional<Long> taskPid(UUID id, int attempt) throws IOException {
        Path logs = RayGridResource.sessionLogs;
        try (Stream<Path> files = Files.walk(logs)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (!(name.endsWith(".err") || name.endsWith(".out") || name.endsWith(".log"))) {
                    continue;
                }
                String text;
                try {
                    text = Files.readString(file, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    continue;
                }
                Matcher m = TASK_PID.matcher(text);
                while (m.find()) {
                    if (m.group(1).equals(id.toString()) && Integer.parseInt(m.group(2)) == attempt) {
                        return Optional.of(Long.parseLong(m.group(3)));
                    }
                }
            }
        }
        return Optional.empty();
    }
}
