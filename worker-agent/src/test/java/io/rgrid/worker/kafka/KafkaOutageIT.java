package io.rgrid.worker.kafka;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.AgentHealth;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.AssignmentStatus;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.testinfra.PausableKafka;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.worker.runtime.docker.DockerRuntimeTest;
import io.rgrid.worker.testing.AgentEvents;
import io.rgrid.worker.testing.AgentProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.rgrid.worker.testing.AgentProcesses.assign;
import static io.rgrid.worker.testing.AgentProcesses.freePort;
import static io.rgrid.worker.testing.AgentProcesses.get;
import static io.rgrid.worker.testing.AgentProcesses.newWorkerId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's producer through a Kafka outage, at the agent's level: the packaged agent as a
 * process on a broker of this test's own ({@link PausableKafka}; the run's shared broker is never
 * touched) and the shared S3. The broker is frozen (SIGSTOP) right after the attempt's RUNNING
 * report arrived and stays frozen until the terminal report's first try has outlived the
 * producer's 30 s delivery timeout, so the publisher's retry path runs; meanwhile the agent's
 * HTTP API answers and still holds the attempt. Once the broker carries on, the SUCCEEDED report
 * of attempt 1 arrives, once, and heartbeats come again. Runs in the integration-test phase
 * (after {@code package}); needs the Docker engine.
 */
class KafkaOutageIT {

    private static final String NAMESPACE = "worker-outage";
    private static final Duration OUTAGE_LIMIT = Duration.ofSeconds(90);

    private static PausableKafka kafka;
    private static AgentProcesses agents;

    @BeforeAll
    static void start() throws Exception {
        DockerRuntimeTest.requireDocker();
        AgentProcesses.requirePackagedAgent();
        kafka = PausableKafka.start(Path.of("target", "outage-kafka", UUID.randomUUID().toString()));
        agents = new AgentProcesses(SharedServers.get(), kafka.logins(), NAMESPACE);
    }

    @AfterAll
    static void stop() throws Exception {
        if (agents != null) {
            agents.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aTerminalReportMadeWhileKafkaIsFrozenArrivesOnceWhenItIsBackAndTheAgentAnswersMeanwhile() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path log = Path.of("target", "it-logs", workerId + ".log");
        try (AgentEvents events = new AgentEvents(kafka.logins(), agents.topicPrefix())) {
            agents.start(workerId, port, log, Map.of("RGRID_WORKER_SLOTS", "2"));
            Assignment job = agents.putScript("import time\nprint('working', flush=True)\ntime.sleep(3)\nprint('done')\n");
            UUID id = job.executionId();
            assertThat(assign(port, job).statusCode()).isEqualTo(202);
            events.awaitStatus(id, s -> s.state() == ExecutionState.RUNNING, Duration.ofSeconds(60));

            kafka.pause();
            Instant paused = Instant.now();
            // The script ends ~3 s later; its SUCCEEDED report's first try fails once the producer's
            // delivery timeout (30 s) has passed, and the publisher tries again.
            // Meanwhile GET /v1/health answers every half second (within 5 s, or the call fails the test).
            String retried = "Status SUCCEEDED of " + id + "/1 not delivered yet (try 1)";
            AtomicInteger answered = new AtomicInteger();
            await().atMost(OUTAGE_LIMIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(get(port, AgentApi.HEALTH).statusCode()).isEqualTo(200);
                answered.incrementAndGet();
                return Files.readString(log).contains(retried);
            });
            AgentHealth health = Json.mapper().readValue(get(port, AgentApi.HEALTH).body(), AgentHealth.class);
            assertThat(health.status()).as("health answers while Kafka is away").isEqualTo("UP");
            assertThat(health.freeSlots()).as("the slot stays taken until Kafka has the outcome").isEqualTo(1);
            assertThat(assignmentState(port, id)).isEqualTo(AssignmentStatus.RUNNING);

            kafka.resume();
            Instant resumed = Instant.now();
            System.out.printf("broker frozen for %d ms; GET /v1/health answered %d times meanwhile%n",
                    Duration.between(paused, resumed).toMillis(), answered.get());
            ExecutionStatusChanged terminal = events.awaitStatus(id, s -> s.state().isTerminal(), Duration.ofSeconds(60));
            assertThat(terminal.state()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(terminal.attempt()).isEqualTo(1);
            assertThat(terminal.workerId()).isEqualTo(workerId);
            assertThat(terminal.exitCode()).isZero();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> assignmentState(port, id).equals(AssignmentStatus.FINISHED));
            events.awaitHeartbeat(workerId, resumed, Duration.ofSeconds(30));

            events.readToEnd(Duration.ofSeconds(30));
            List<ExecutionStatusChanged> reports = events.statuses(id);
            assertThat(reports).as("one RUNNING and one terminal report, each written once")
                    .extracting(ExecutionStatusChanged::state)
                    .containsExactly(ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
            assertThat(Json.mapper().readValue(get(port, AgentApi.HEALTH).body(), AgentHealth.class).freeSlots())
                    .isEqualTo(2);
            assertThat(Files.readString(log)).contains("Status SUCCEEDED of " + id + "/1 delivered after");
        }
        // What an operator reads: one WARN for the outage and one line when it is over, not a
        // stack trace per heartbeat, log chunk and status try.
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).filteredOn(l -> l.contains("Kafka does not take the agent's messages")).hasSize(1)
                .allMatch(l -> l.contains("WARN"))
                .as("Kafka's own words, not the connector's wrapper").noneMatch(l -> l.contains("Retries exhausted"));
        assertThat(lines).filteredOn(l -> l.contains("Kafka takes the agent's messages again")).hasSize(1);
        assertThat(lines).as("the connector's lines per failed message")
                .noneMatch(l -> KafkaSendFailureFilter.PER_MESSAGE.stream().anyMatch(l::contains));
        assertThat(lines).as("the client's line per retried request").noneMatch(l -> l.contains("Got error produce response"));
        assertThat(lines).as("no stack trace").noneMatch(l -> l.startsWith("\tat "));
    }

    private static String assignmentState(int port, UUID id) throws Exception {
        return Json.mapper().readValue(get(port, AgentApi.assignment(id.toString())).body(), AssignmentStatus.class).state();
    }
}
