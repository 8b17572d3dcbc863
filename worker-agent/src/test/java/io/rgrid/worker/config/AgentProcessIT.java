package io.rgrid.worker.config;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.testinfra.Processes;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import io.rgrid.worker.runtime.docker.DockerRuntimeTest;
import io.rgrid.worker.testing.AgentEvents;
import io.rgrid.worker.testing.AgentProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.rgrid.worker.testing.AgentProcesses.assign;
import static io.rgrid.worker.testing.AgentProcesses.freePort;
import static io.rgrid.worker.testing.AgentProcesses.get;
import static io.rgrid.worker.testing.AgentProcesses.newWorkerId;
import static io.rgrid.worker.testing.AgentProcesses.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent as a real process (the way the orchestrator's local provider starts it):
 * orphan containers (docker runtime) and orphan processes (process runtime) killed after
 * {@code kill -9}, no attempt run twice by an agent restarted under its worker id, and the SIGTERM drain. Runs in the
 * integration-test phase (after {@code package} built {@code target/quarkus-app}), on the shared
 * Kafka and S3 and the Docker engine; the agents are started by {@link AgentProcesses}.
 */
class AgentProcessIT {

    private static final String NAMESPACE = "worker-it";

    private static Servers servers;
    private static AgentProcesses agents;
    private static DockerClient docker;
    /** Processes a test expects an agent to kill; killed after the test in case it did not. */
    private final List<Long> strays = new ArrayList<>();

    @BeforeAll
    static void connect() throws Exception {
        DockerRuntimeTest.requireDocker();
        servers = SharedServers.get();
        agents = new AgentProcesses(servers, servers.kafka(), NAMESPACE);
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix:///var/run/docker.sock").build();
        docker = DockerClientImpl.getInstance(config,
                new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
    }

    @AfterAll
    static void disconnect() throws IOException {
        if (docker != null) {
            docker.close();
        }
    }

    @AfterEach
    void stopAgents() throws InterruptedException {
        agents.close();
        strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private static List<Container> containersOf(String workerId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_WORKER_ID, workerId)).exec();
    }

    @Test
    void containersLeftByAKilledAgentAreRemovedWhenItStartsAgain() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path logs = Path.of("target", "it-logs");
        Process first = agents.start(workerId, port, logs.resolve(workerId + "-1.log"), Map.of());
        Assignment sleeper = agents.putScript("import time\nprint('sleeping', flush=True)\ntime.sleep(300)\n");
        assertThat(assign(port, sleeper).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> containersOf(workerId).stream().anyMatch(c -> "running".equals(c.getState())));

        first.destroyForcibly(); // SIGKILL: no drain, no cleanup
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(containersOf(workerId)).as("the container outlives a killed agent").isNotEmpty();

        Path secondLog = logs.resolve(workerId + "-2.log");
        agents.start(workerId, port, secondLog, Map.of());
        assertThat(containersOf(workerId)).as("no orphan survives the restart").isEmpty();
        assertThat(Files.readString(secondLog)).contains("Orphan container").contains(sleeper.executionId().toString());
    }

    @Test
    void processesLeftByAKilledAgentAreKilledWhenItStartsAgainWithTheProcessRuntime() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path logs = Path.of("target", "it-logs");
        Map<String, String> processRuntime = Map.of("RGRID_WORKER_RUNTIME", "process",
                "RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
        Process first = agents.start(workerId, port, logs.resolve(workerId + "-1.log"), processRuntime);
        // The script reports its pid and its child's (the agent's grandchild) through a file: no
        // output after the agent is gone, where a write would fail on the broken pipe.
        Path pids = Path.of("target", "it-work", workerId + "-pids.txt").toAbsolutePath();
        Assignment sleeper = agents.putScript("""
                import os, subprocess, sys, time
                child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])
                with open(%s + '.tmp', 'w') as f:
                    f.write('%%d %%d' %% (os.getpid(), child.pid))
                os.rename(%s + '.tmp', %s)
                time.sleep(300)
                """.formatted(pyString(pids), pyString(pids), pyString(pids)));
        assertThat(assign(port, sleeper).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(pids));
        String[] both = Files.readString(pids).trim().split(" ");
        long script = Long.parseLong(both[0]);
        long grandchild = Long.parseLong(both[1]);
        strays.add(script);
        strays.add(grandchild);

        first.destroyForcibly(); // SIGKILL: no drain, no cleanup
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        // The script, and the process it started, outlive a killed agent.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> Processes.running(script) && Processes.running(grandchild));

        Path secondLog = logs.resolve(workerId + "-2.log");
        agents.start(workerId, port, secondLog, processRuntime);
        // Killed before the agent takes work: by the time it answers, nothing is left.
        assertThat(Processes.running(script)).as("no orphan survives the restart").isFalse();
        assertThat(Processes.running(grandchild)).as("nor its child").isFalse();
        assertThat(Files.readString(secondLog)).contains("Orphan process group " + script)
                .contains(sleeper.executionId().toString());
    }

    private static String pyString(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void sigtermDrainsRunningWorkRefusesNewWorkAndSendsAFinalDrainingHeartbeat() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        try (AgentEvents events = new AgentEvents(servers.kafka(), agents.topicPrefix())) {
            Process agent = agents.start(workerId, port, Path.of("target", "it-logs", workerId + ".log"),
                    Map.of("RGRID_WORKER_DRAIN_TIMEOUT", "60s"));
            Assignment shortJob = agents.putScript("import time\nprint('working', flush=True)\ntime.sleep(4)\nprint('done')\n");
            assertThat(assign(port, shortJob).statusCode()).isEqualTo(202);
            events.awaitStatus(shortJob.executionId(), s -> s.state() == ExecutionState.RUNNING, Duration.ofSeconds(60));

            agent.destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> get(port, AgentApi.HEALTH).body().contains("\"draining\":true"));
            HttpResponse<String> refused = assign(port, agents.putScript("print('too late')\n"));
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.body()).contains("INVALID_STATE");

            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as("the agent exits once drained").isTrue();
            ExecutionStatusChanged terminal = events.awaitStatus(shortJob.executionId(), s -> s.state().isTerminal(),
                    Duration.ofSeconds(20));
            assertThat(terminal.state()).isEqualTo(ExecutionState.SUCCEEDED);

            events.readToEnd(Duration.ofSeconds(20)); // the final heartbeat was written before the process exited
            List<WorkerHeartbeat> beats = events.heartbeats(workerId, Instant.EPOCH);
            assertThat(beats).isNotEmpty();
            WorkerHeartbeat last = beats.getLast();
            assertThat(last.draining()).isTrue();
            assertThat(last.running()).isEmpty();
            assertThat(containersOf(workerId)).isEmpty();
        }
    }

    /**
     * Issue 26: an agent restarted under the same worker id (killed -9, its work dir kept) gets
     * again what a restarted orchestrator re-sends, every assignment it recorded but never saw
     * RUNNING: the attempt it finished before the restart is answered 202 and not run again, the
     * one it fenced 409. The evidence: what the agent holds right after the re-send (a run would be
     * held at once), the RUNNING reports on Kafka and the engine's start events of containers
     * labelled with the execution id.
     */
    @Test
    void anAgentRestartedUnderItsWorkerIdRunsNoAttemptTwice() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path logs = Path.of("target", "it-logs");
        long since = Instant.now().getEpochSecond() - 1;
        try (AgentEvents events = new AgentEvents(servers.kafka(), agents.topicPrefix())) {
            Process first = agents.start(workerId, port, logs.resolve(workerId + "-1.log"), Map.of());
            Assignment finished = agents.putScript("print('once')\n");
            Assignment fenced = agents.putScript("print('must never run')\n");
            assertThat(assign(port, finished).statusCode()).isEqualTo(202);
            assertThat(events.awaitStatus(finished.executionId(), s -> s.state().isTerminal(), Duration.ofSeconds(120))
                    .state()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(post(port, AgentApi.fence(fenced.executionId().toString(), 1)).body()).contains("\"held\":false");
            String finishedAttempt = AgentApi.assignment(finished.executionId().toString()) + "?attempt=1";
            await().atMost(Duration.ofSeconds(30)).until(() -> get(port, finishedAttempt).body().contains("FINISHED"));

            first.destroyForcibly(); // a crash: nothing but the work dir survives
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            agents.start(workerId, port, logs.resolve(workerId + "-2.log"), Map.of());

            assertThat(assign(port, finished).statusCode()).as("sent again: taken, not run").isEqualTo(202);
            assertThat(get(port, finishedAttempt).body()).as("not held again").contains("FINISHED");
            HttpResponse<String> refused = assign(port, fenced);
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.body()).contains("fenced");

            // A run would report RUNNING first, and its container would start: there was one run.
            events.readToEnd(Duration.ofSeconds(20));
            assertThat(events.statuses(finished.executionId())).filteredOn(s -> s.state() == ExecutionState.RUNNING)
                    .hasSize(1);
            assertThat(events.statuses(fenced.executionId())).isEmpty();
            assertThat(containerStarts(finished.executionId().toString(), since)).hasSize(1);
            assertThat(containerStarts(fenced.executionId().toString(), since)).isEmpty();
        }
    }

    /**
     * The engine's record of the execution's runs starting, from {@code since} (epoch seconds)
     * until now: the {@code start} of a container created for attempt 1, or the {@code rename} of
     * a warm container to its name (worker-agent README, "Warm containers").
     */
    private static List<Event> containerStarts(String executionId, long since) throws InterruptedException {
        String runName = "rgrid-" + executionId + "-1";
        List<Event> starts = new ArrayList<>();
        docker.eventsCmd().withSince(Long.toString(since)).withUntil(Long.toString(Instant.now().getEpochSecond() + 1))
                .withEventFilter("start", "rename").withLabelFilter(DockerRuntime.LABEL_WORKER_ID)
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event event) {
                        if (event.getActor() != null && event.getActor().getAttributes() != null
                                && runName.equals(event.getActor().getAttributes().get("name"))) {
                            starts.add(event);
                        }
                    }
                }).awaitCompletion(30, TimeUnit.SECONDS);
        return starts;
    }
}
