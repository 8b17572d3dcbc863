package io.rgrid.orchestrator.crash;

import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.Topics;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import io.rgrid.testinfra.TestKafka;
import io.rgrid.testinfra.Servers;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of the orchestrator mid-dispatch. The orchestrator runs as a real child process
 * ({@code java -jar target/quarkus-app/quarkus-run.jar}, so this runs in the integration-test
 * phase, after packaging) against the shared servers, with the {@code static} provider pointing
 * at an agent this test plays. The test-only fault hook {@code rgrid.orchestrator.dispatch.fault-point}
 * halts its JVM (Runtime.halt: no shutdown hooks, like SIGKILL) between recording and sending an
 * assignment, or between sending it and handling the agent's answer. Then a restart must finish
 * the execution exactly once: it runs once, never two attempts at the same time, and nothing
 * stays ASSIGNED. And two orchestrators on one grid (issue 27): only the leader dispatches; kill -9
 * of the leader mid-load, the standby takes over and every execution runs exactly once.
 */
class DispatchCrashIT {

    private static final String DATABASE = "orchcrash";
    private static final String PREFIX = "orchcrash.";

    private PackagedOrchestrators orchestrators;
    private FakeAgent agent;

    @AfterEach
    void stopEverything() throws Exception {
        if (orchestrators != null) {
            orchestrators.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @ParameterizedTest(name = "killed {0}")
    @ValueSource(strings = {"after-record", "after-send"})
    void aRestartFinishesTheExecutionExactlyOnce(String faultPoint) throws Exception {
        Servers servers = SharedServers.get();
        freshGrid(servers);

        String workerId = Ids.newWorkerId();
        agent = new FakeAgent(workerId, "token-" + UUID.randomUUID(), servers.kafka());
        UUID id = Ids.newExecutionId();
        agent.submit(id);

        Process first = startOrchestrator(servers, faultPoint, faultPoint + "-first");
        assertThat(first.waitFor(120, TimeUnit.SECONDS)).as("the orchestrator reached %s and halted", faultPoint)
                .isTrue();
        assertThat(first.exitValue()).isEqualTo(137);
        assertThat(orchestrators.execution(id, "state")).as("the assignment was recorded before the crash")
                .isEqualTo("ASSIGNED");
        if (faultPoint.equals("after-record")) {
            assertThat(agent.deliveries).as("never sent").isEmpty();
        } else {
            assertThat(agent.deliveries).as("sent and accepted once").hasSize(1);
        }

        startOrchestrator(servers, null, faultPoint + "-second");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> "SUCCEEDED".equals(orchestrators.execution(id, "state")));

        assertThat(agent.starts.get(id).get()).as("ran exactly once").isEqualTo(1);
        assertThat(agent.overlaps).as("never two attempts at the same time").isZero();
        assertThat(agent.deliveries).extracting(Assignment::attempt).as("one attempt, delivered again at most")
                .containsOnly(1);
        assertThat(orchestrators.count("executions", "state = 'ASSIGNED'")).as("nothing stays ASSIGNED").isZero();
    }

    @Test
    void aStandbyTakesOverFromAKilledLeaderAndEveryExecutionRunsOnce() throws Exception {
        Servers servers = SharedServers.get();
        freshGrid(servers);
        agent = new FakeAgent(Ids.newWorkerId(), "token-" + UUID.randomUUID(), servers.kafka());
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            UUID id = Ids.newExecutionId();
            agent.submit(id);
            ids.add(id);
        }

        Map<String, Process> byInstance = Map.of(
                "standby-a", startOrchestrator(servers, null, "standby-a", "standby-a"),
                "standby-b", startOrchestrator(servers, null, "standby-b", "standby-b"));
        // two Quarkus starts on a loaded machine took 5 minutes
        await().atMost(Duration.ofSeconds(420)).pollInterval(Duration.ofMillis(250))
                .until(() -> succeeded(ids) >= 4);
        String leader = orchestrators.leaseHolder().split("/")[0];
        String standby = leader.equals("standby-a") ? "standby-b" : "standby-a";
        byInstance.get(leader).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> orchestrators.leaseHolder().startsWith(standby + "/"));
        System.out.printf("standby orchestrator took the lease %d ms after kill -9 of the leader%n",
                (System.nanoTime() - killed) / 1_000_000);
        await().atMost(Duration.ofSeconds(420)).pollInterval(Duration.ofMillis(250))
                .until(() -> succeeded(ids) == ids.size());

        assertThat(ids).allSatisfy(id -> assertThat(agent.starts.get(id)).as("%s ran exactly once", id).hasValue(1));
        assertThat(agent.overlaps).as("never two attempts at the same time").isZero();
        assertThat(agent.maxHeld).as("one dispatcher at a time: never more than the agent's slots")
                .isLessThanOrEqualTo(FakeAgent.SLOTS);
        assertThat(agent.deliveries).extracting(Assignment::attempt).as("one attempt each").containsOnly(1);
    }

    /** The test's grid: its topics, and nothing left live in its database by an earlier run. */
    private void freshGrid(Servers servers) {
        // The fake agent may write before the orchestrator process created the topics.
        TestKafka.createTopics(servers.kafka(), PREFIX);
        orchestrators = new PackagedOrchestrators(servers, DATABASE);
    }

    private long succeeded(List<UUID> ids) {
        return ids.stream().filter(id -> "SUCCEEDED".equals(orchestrators.execution(id, "state"))).count();
    }

    private Process startOrchestrator(Servers servers, String faultPoint, String name) throws IOException {
        // one instance restarted: the same id, so it takes its consumer partitions back at once
        return startOrchestrator(servers, faultPoint, name, "crash-it");
    }

    /** @param instance its {@code rgrid.messaging.instance-id}: two running at once need two */
    private Process startOrchestrator(Servers servers, String faultPoint, String name, String instance)
            throws IOException {
        List<String> options = new ArrayList<>(List.of(
                "-Dquarkus.http.port=0",
                "-Dquarkus.datasource.jdbc.url=" + orchestrators.jdbcUrl(),
                "-Dquarkus.datasource.username=" + servers.dbUser(),
                "-Dquarkus.datasource.password=" + servers.dbPassword(),
                "-Drgrid.reports.signing-key=" + SignedRecords.controlPlaneKey(),
                "-Drgrid.kafka.topic-prefix=" + PREFIX,
                "-Drgrid.storage.endpoint=" + servers.s3Endpoint(),
                "-Drgrid.storage.access-key=" + servers.s3AccessKey(),
                "-Drgrid.storage.secret-key=" + servers.s3SecretKey(),
                "-Drgrid.storage.bucket=" + DATABASE,
                "-Drgrid.orchestrator.provider=static",
                "-Drgrid.orchestrator.static.agents=" + agent.workerId + "=" + agent.address() + "=" + agent.token,
                "-Drgrid.orchestrator.dispatch.tick=200ms",
                "-Drgrid.messaging.instance-id=" + instance,
                // a restart after a kill waits for the killed instance's lease: keep that short
                "-Drgrid.leader.lease=4s",
                "-Drgrid.leader.renew-interval=1s",
                "-Drgrid.orchestrator.health.check-interval=1s"));
        if (faultPoint != null) {
            options.add("-Drgrid.orchestrator.dispatch.fault-point=" + faultPoint);
        }
        return orchestrators.start(options, "crash-it-" + name);
    }

    /**
     * Plays a worker-agent: accepts an assignment once per (execution, attempt) (a second delivery
     * of one it holds or ran is answered 202 and not started again, as the real agent does),
     * reports RUNNING then SUCCEEDED, heartbeats with what it holds, and counts starts and overlaps.
     */
    static final class FakeAgent implements AutoCloseable {
        final String workerId;
        final String token;
        final List<Assignment> deliveries = new CopyOnWriteArrayList<>();
        final Map<UUID, AtomicInteger> starts = new ConcurrentHashMap<>();
        final Set<String> seenAttempts = ConcurrentHashMap.newKeySet();
        final Map<UUID, Integer> holding = new ConcurrentHashMap<>();
        volatile int overlaps;
        /** The most attempts it held at once. */
        volatile int maxHeld;
        static final int SLOTS = 4;
        private final HttpServer server;
        private final KafkaProducer<String, byte[]> producer;
        /** Submissions, as api-service sends them: the worker principal may not write the executions topic. */
        private final KafkaProducer<String, byte[]> controlPlane;
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);

        FakeAgent(String workerId, String token, KafkaLogins kafka) throws IOException {
            this.workerId = workerId;
            this.token = token;
            Properties props = new Properties();
            props.putAll(kafka.client(KafkaPrincipals.WORKER)); // as a worker: it writes status reports only
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
            Properties api = new Properties();
            api.putAll(kafka.client(KafkaPrincipals.API));
            api.put(ProducerConfig.ACKS_CONFIG, "all");
            controlPlane = new KafkaProducer<>(api, new StringSerializer(), new ByteArraySerializer());
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/assignments", exchange -> {
                try (exchange) {
                    if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                        exchange.sendResponseHeaders(401, -1);
                        return;
                    }
                    Assignment a = Json.mapper().readValue(exchange.getRequestBody(), Assignment.class);
                    deliveries.add(a);
                    if (seenAttempts.add(a.executionId() + ":" + a.attempt())) {
                        start(a);
                    }
                    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(202, body.length);
                    exchange.getResponseBody().write(body);
                }
            });
            server.start();
            timer.scheduleAtFixedRate(this::heartbeat, 0, 500, TimeUnit.MILLISECONDS);
        }

        String address() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void submit(UUID id) {
            ExecutionSpec spec = new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), 0.5, 256, 60,
                    NetworkMode.NONE, 3, Map.of());
            send(controlPlane, SignedRecords.signed(Topics.named(PREFIX, Topics.EXECUTIONS), new ExecutionSubmitted(id,
                    "project-crash", 1, spec, StorageKeys.script(id), Map.of(), null, Instant.now())));
        }

        private void start(Assignment a) {
            starts.computeIfAbsent(a.executionId(), k -> new AtomicInteger()).incrementAndGet();
            if (holding.putIfAbsent(a.executionId(), a.attempt()) != null) {
                overlaps++;
            }
            maxHeld = Math.max(maxHeld, holding.size());
            timer.schedule(() -> report(a, ExecutionState.RUNNING), 200, TimeUnit.MILLISECONDS);
            timer.schedule(() -> {
                report(a, ExecutionState.SUCCEEDED);
                holding.remove(a.executionId(), a.attempt());
            }, 1500, TimeUnit.MILLISECONDS);
        }

        private void report(Assignment a, ExecutionState state) {
            send(Topics.EXECUTION_STATUS, new ExecutionStatusChanged(a.executionId(), a.attempt(), state, workerId,
                    state == ExecutionState.SUCCEEDED ? 0 : null, null, null, workerId, Instant.now()));
        }

        private void heartbeat() {
            List<WorkerHeartbeat.RunningAttempt> running = holding.entrySet().stream()
                    .map(e -> new WorkerHeartbeat.RunningAttempt(e.getKey(), e.getValue())).toList();
            send(SignedRecords.heartbeat(Topics.named(PREFIX, Topics.WORKER_HEARTBEATS), new WorkerHeartbeat(workerId,
                    address(), SLOTS, 8, 16_000, running, "fake", "process", false), token));
        }

        /** Signed as this worker would sign its reports. */
        private void send(String topic, Event event) {
            send(SignedRecords.signed(Topics.named(PREFIX, topic), event));
        }

        private void send(ProducerRecord<String, byte[]> record) {
            send(producer, record);
        }

        private static void send(KafkaProducer<String, byte[]> through, ProducerRecord<String, byte[]> record) {
            try {
                through.send(record).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
            server.stop(0);
            producer.close();
            controlPlane.close();
        }
    }
}
