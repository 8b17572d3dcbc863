package io.rgrid.worker.assignment;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.Problem;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Requirements;
import io.rgrid.worker.assignment.service.AssignmentService;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.worker.testing.PresignedAssignments;
import io.rgrid.worker.testing.ScriptStore;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The agent against real Kafka and S3 (the test run's shared servers) and the Docker engine when
 * one answers (otherwise the agent falls back to the process runtime, and these tests still hold).
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "worker"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.WORKER)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentApiTest {

    static final String IMAGE = "rgrid/python:3.11-local";

    @ConfigProperty(name = "rgrid.worker.token")
    String token;
    @Inject
    AgentIdentity identity;
    @ConfigProperty(name = "rgrid.storage.bucket")
    String bucket;
    @ConfigProperty(name = "rgrid.kafka.topic-prefix")
    String topicPrefix;

    private MinioClient s3;
    private ScriptStore store;
    private PresignedAssignments presigned;
    private KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, Event>> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    void connect() throws Exception {
        var servers = SharedServers.get();
        presigned = new PresignedAssignments(servers, bucket, identity.workerId());
        store = ScriptStore.connect(servers, bucket);
        s3 = store.client();
        consumer = new KafkaConsumer<>(servers.kafka().admin(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "worker-agent-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topicPrefix + "rgrid.execution-status.v1", topicPrefix + "rgrid.execution-logs.v1",
                topicPrefix + "rgrid.worker-heartbeats.v1"));
    }

    @AfterAll
    void disconnect() {
        consumer.close();
    }

    /** Reads what arrived since the last call into {@link #seen}; only the test thread calls it. */
    private synchronized void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            Optional<Envelope<Event>> envelope = EventCodec.decode(record.value());
            envelope.ifPresent(e -> seen.add(new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
                    record.key(), e.payload())));
        }
    }

    private List<ExecutionStatusChanged> statuses(UUID executionId) {
        poll();
        return seen.stream().map(ConsumerRecord::value)
                .filter(e -> e instanceof ExecutionStatusChanged s && s.executionId().equals(executionId))
                .map(ExecutionStatusChanged.class::cast).toList();
    }

    private ExecutionStatusChanged awaitTerminal(UUID executionId, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> statuses(executionId).stream().anyMatch(s -> s.state().isTerminal()));
        return statuses(executionId).stream().filter(s -> s.state().isTerminal()).findFirst().orElseThrow();
    }

    /** The run the agent named in its reports of attempt 1 (its RUNNING report comes first). */
    private String run(UUID executionId) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> !statuses(executionId).isEmpty());
        return statuses(executionId).getFirst().run();
    }

    private UUID putScript(String script) throws Exception {
        return store.putScript(script);
    }

    private String read(String key) throws Exception {
        return store.read(key);
    }

    private Assignment assignment(UUID id, int timeoutSeconds, Map<String, String> inputs) {
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of("arg1"), Map.of("GREETING", "hello"), 0.5, 128,
                timeoutSeconds, NetworkMode.NONE, 3, Map.of());
        return presigned.of(id, "project-1", 1, spec, inputs, null);
    }

    private io.restassured.response.Response post(Assignment assignment) throws Exception {
        return given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON)
                .body(Json.mapper().writeValueAsString(assignment))
                .post(AgentApi.ASSIGNMENTS);
    }

    @Test
    void runsAScriptAndReportsRunningThenSucceededWithLogAndOutputs() throws Exception {
        UUID id = putScript("""
                import os, sys
                print('hello on stdout', sys.argv[1:], os.environ['GREETING'])
                print('hello on stderr', file=sys.stderr)
                print(open('data.csv').read().strip(), open('inputs/data.csv').read().strip())
                with open('outputs/result.txt', 'w') as f:
                    f.write('42')
                """);
        byte[] input = "x,y\n".getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(StorageKeys.input(id, "data.csv"))
                .stream(new ByteArrayInputStream(input), input.length, -1).build());
        Assignment assignment = assignment(id, 60, Map.of("data.csv", StorageKeys.input(id, "data.csv")));

        String workerId = post(assignment).then().statusCode(202)
                .body("executionId", equalTo(id.toString()))
                .body("attempt", equalTo(1))
                .body("workerId", notNullValue())
                .extract().path("workerId");
        // The same attempt again is acknowledged, not run twice.
        post(assignment).then().statusCode(202).body("workerId", equalTo(workerId));

        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        List<ExecutionStatusChanged> all = statuses(id);
        assertThat(all).extracting(ExecutionStatusChanged::state)
                .containsExactly(ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
        assertThat(all.getFirst().workerId()).isEqualTo(workerId);
        assertThat(all.getFirst().reportedBy()).isEqualTo(workerId);
        assertThat(terminal.exitCode()).isZero();
        assertThat(terminal.reason()).isNull();
        assertThat(terminal.attempt()).isEqualTo(1);
        // Both reports name the run the agent stored under; nothing went to the layout before runs.
        assertThat(StorageKeys.isRun(terminal.run())).as(terminal.run()).isTrue();
        assertThat(all).extracting(ExecutionStatusChanged::run).containsOnly(terminal.run());
        assertThat(s3.listObjects(ListObjectsArgs.builder().bucket(bucket)
                .prefix(StorageKeys.attemptPrefix(id, 1)).recursive(true).build()))
                .allSatisfy(item -> assertThat(item.get().objectName()).startsWith(StorageKeys.runPrefix(id, 1, terminal.run())))
                .isNotEmpty();

        String log = read(StorageKeys.log(id, 1, run(id)));
        assertThat(log).contains("hello on stdout ['arg1'] hello").contains("hello on stderr").contains("x,y x,y");
        assertThat(read(StorageKeys.output(id, 1, run(id), "result.txt"))).isEqualTo("42");

        // Live log chunks went out too, numbered from 0.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            poll();
            return seen.stream().anyMatch(r -> r.value() instanceof ExecutionLogChunk c && c.executionId().equals(id));
        });
        List<ExecutionLogChunk> chunks = seen.stream().map(ConsumerRecord::value)
                .filter(e -> e instanceof ExecutionLogChunk c && c.executionId().equals(id))
                .map(ExecutionLogChunk.class::cast).toList();
        assertThat(chunks.getFirst().seq()).isZero();
        assertThat(String.join("", chunks.stream().map(ExecutionLogChunk::text).toList())).isEqualTo(log);
        // Each chunk says where it stands in the stored log, and the outcome how long that log is
        // and which chunk ended it: a follower can tell a whole log from a short one.
        long offset = 0;
        for (ExecutionLogChunk chunk : chunks) {
            assertThat(chunk.offset()).as("offset of chunk %d", chunk.seq()).isEqualTo(offset);
            offset += chunk.byteLength();
        }
        assertThat(terminal.logBytes()).isEqualTo(log.getBytes(StandardCharsets.UTF_8).length).isEqualTo(offset);
        assertThat(terminal.logLastSeq()).isEqualTo(chunks.getLast().seq());
        assertThat(all.getFirst().logBytes()).as("only the outcome tells the log's length").isNull();
    }

    @Test
    void nonZeroExitIsReportedAsFailed() throws Exception {
        UUID id = putScript("import sys\nprint('about to fail')\nsys.exit(3)\n");
        post(assignment(id, 60, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.NONZERO_EXIT);
        assertThat(terminal.exitCode()).isEqualTo(3);
        assertThat(read(StorageKeys.log(id, 1, run(id)))).contains("about to fail");
    }

    @Test
    void timeoutIsReportedAsTimedOut() throws Exception {
        UUID id = putScript("import time\ntime.sleep(60)\n");
        post(assignment(id, 2, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(30));
        assertThat(terminal.state()).isEqualTo(ExecutionState.TIMED_OUT);
        assertThat(terminal.reason()).isEqualTo(FailureReason.TIMEOUT);
    }

    @Test
    void missingScriptIsReportedAsInputUnavailable() throws Exception {
        UUID id = Ids.newExecutionId();
        post(assignment(id, 60, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(30));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.INPUT_UNAVAILABLE);
        assertThat(terminal.message()).contains(StorageKeys.script(id));
    }

    @Test
    void cancelOfASleepingScriptEndsCancelled() throws Exception {
        UUID id = putScript("import time\nprint('sleeping', flush=True)\ntime.sleep(120)\n");
        post(assignment(id, 300, Map.of())).then().statusCode(202);
        // Wait until the script itself runs (its first log line arrived), so the kill hits a live container.
        awaitFirstLogLine(id);
        // What the Ray task polls: the agent holds the attempt...
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(id.toString())).then().statusCode(200)
                .body("state", equalTo("RUNNING")).body("attempt", equalTo(1));
        long cancelledAt = System.nanoTime();
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.cancel(id.toString())).then().statusCode(202);
        // The bound proves the cancel ended it, long before the script's own 120 s; how fast a
        // cancel lands is the engine's and the machine's business, measured, not asserted here.
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(30));
        Duration took = Duration.ofNanos(System.nanoTime() - cancelledAt);
        System.out.println("[agent-api] cancel -> CANCELLED reported in " + took.toMillis() + " ms");
        assertThat(took).isLessThan(Duration.ofSeconds(30));
        assertThat(terminal.state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.CANCELLED);
        // ... and once it ended, it is FINISHED; an attempt it never had is 404.
        await().atMost(Duration.ofSeconds(10)).until(() -> "FINISHED".equals(given()
                .header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(id.toString()) + "?attempt=1")
                .then().statusCode(200).extract().path("state")));
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(id.toString()) + "?attempt=2")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE).body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void heartbeatsAnnounceTheWorker() {
        String workerId = given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.HEALTH)
                .then().statusCode(200).extract().path("workerId");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll();
            return seen.stream().anyMatch(r -> r.value() instanceof WorkerHeartbeat h && h.workerId().equals(workerId));
        });
        WorkerHeartbeat beat = seen.stream().map(ConsumerRecord::value)
                .filter(e -> e instanceof WorkerHeartbeat h && h.workerId().equals(workerId))
                .map(WorkerHeartbeat.class::cast).findFirst().orElseThrow();
        assertThat(beat.slots()).isEqualTo(4);
        assertThat(beat.address()).startsWith("http://127.0.0.1:").doesNotEndWith(":0");
        assertThat(beat.runtime()).isIn("docker", "process");
        assertThat(beat.draining()).isFalse();
        assertThat(beat.agentVersion()).isNotBlank();
        assertThat(seen.stream().filter(r -> r.value() instanceof WorkerHeartbeat h && h.workerId().equals(workerId))
                .map(ConsumerRecord::key).distinct().toList()).containsExactly(workerId);
    }

    @Test
    void healthReportsRuntimeAndSlots() {
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.HEALTH).then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("slots", equalTo(4))
                .body("draining", equalTo(false))
                .body("runtime", org.hamcrest.Matchers.oneOf("docker", "process"));
    }

    @Test
    void everyEndpointNeedsTheWorkerToken() throws Exception {
        given().get(AgentApi.HEALTH).then().statusCode(401).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("UNAUTHENTICATED"));
        given().header(Auth.HEADER, Auth.header("wrong-token")).get(AgentApi.HEALTH).then().statusCode(401)
                .body("code", equalTo("UNAUTHENTICATED"));
        given().contentType(ContentType.JSON).body(Json.mapper().writeValueAsString(assignment(Ids.newExecutionId(), 5, Map.of())))
                .post(AgentApi.ASSIGNMENTS).then().statusCode(401).contentType(Problem.MEDIA_TYPE);
        given().post(AgentApi.cancel(UUID.randomUUID().toString())).then().statusCode(401);
    }

    @Test
    void badRequestsGetProblemDetails() {
        given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON).body("{not json")
                .post(AgentApi.ASSIGNMENTS).then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("MALFORMED_REQUEST"));
        given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON)
                .body("{\"executionId\":\"" + Ids.newExecutionId() + "\",\"attempt\":1}")
                .post(AgentApi.ASSIGNMENTS).then().statusCode(422).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("INVALID_SPEC"));
        given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON)
                .body("{\"executionId\":\"" + Ids.newExecutionId() + "\",\"attempt\":1,\"spec\":{\"network\":\"moon\"}}")
                .post(AgentApi.ASSIGNMENTS).then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.cancel(UUID.randomUUID().toString()))
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE).body("code", equalTo("NOT_FOUND"));
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.cancel("not-a-uuid"))
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(UUID.randomUUID().toString()))
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE).body("code", equalTo("NOT_FOUND"));
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment("not-a-uuid"))
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(UUID.randomUUID().toString()) + "?attempt=x")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("code", equalTo("MALFORMED_REQUEST"));
        given().header(Auth.HEADER, Auth.header(token)).get("/v1/nothing-here")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void aFencedAttemptIsRefusedWhenItArrivesLateAndAHeldOneIsReportedHeld() throws Exception {
        // The orchestrator got no answer for attempt 1 and fences it before the request arrives.
        UUID late = putScript("print('must never run')\n");
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.fence(late.toString(), 1)).then()
                .statusCode(200).body("held", equalTo(false)).body("attempt", equalTo(1));
        post(assignment(late, 60, Map.of())).then().statusCode(409).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("CONFLICT")).body("detail", containsString("fenced"));
        given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.assignment(late.toString()) + "?attempt=1")
                .then().statusCode(404);

        // An attempt the agent took: the fence says held, and changes nothing.
        UUID held = putScript("print('held')\n");
        post(assignment(held, 60, Map.of())).then().statusCode(202);
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.fence(held.toString(), 1)).then()
                .statusCode(200).body("held", equalTo(true));
        assertThat(awaitTerminal(held, Duration.ofSeconds(60)).state()).isEqualTo(ExecutionState.SUCCEEDED);

        // Both are on disk, for an agent restarted under this worker id to refuse them too.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ledger())
                && Files.readString(ledger()).contains("FINISHED " + held + " 1 "));
        assertThat(Files.readString(ledger())).containsPattern("FINISHED " + held + " 1 [0-9]+ SUCCEEDED -");
        assertThat(Files.readString(ledger())).contains("FENCED " + late + " 1");
        // The heartbeat lists the finished attempt with its outcome, so the orchestrator never takes it back.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll();
            return seen.stream().anyMatch(r -> r.value() instanceof WorkerHeartbeat h
                    && h.finished().contains(new WorkerHeartbeat.FinishedAttempt(held, 1, ExecutionState.SUCCEEDED,
                    null)));
        });

        // A fence without an attempt number is a bad request.
        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.ASSIGNMENTS + "/" + held + "/fence").then()
                .statusCode(400).contentType(Problem.MEDIA_TYPE);
    }

    /** Waits until the execution's script runs: its first log line arrived. */
    private void awaitFirstLogLine(UUID id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            poll();
            return seen.stream().anyMatch(r -> r.value() instanceof ExecutionLogChunk c && c.executionId().equals(id));
        });
    }

    /**
     * The orchestrator taking back the attempt of a worker it lost: a stopping fence kills the held
     * attempt without a report (its retry is the orchestrator's) and refuses it from then on.
     */
    @Test
    void aStoppingFenceKillsAHeldAttemptWithoutAReportAndRefusesItFromThenOn() throws Exception {
        UUID id = putScript("import time\nprint('sleeping', flush=True)\ntime.sleep(120)\n");
        post(assignment(id, 300, Map.of())).then().statusCode(202);
        awaitFirstLogLine(id);

        given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.stop(id.toString(), 1)).then()
                .statusCode(200).body("held", equalTo(false)).body("attempt", equalTo(1));

        // Ended (the script would sleep two minutes), not finished: the agent knows no such attempt now.
        await().atMost(Duration.ofSeconds(30)).until(() -> given().header(Auth.HEADER, Auth.header(token))
                .get(AgentApi.assignment(id.toString()) + "?attempt=1").then().extract().statusCode() == 404);
        post(assignment(id, 300, Map.of())).then().statusCode(409).body("detail", containsString("fenced"));
        assertThat(Files.readString(ledger())).contains("FENCED " + id + " 1 ");
        poll();
        assertThat(seen).as("no terminal report of the stopped attempt").noneMatch(r ->
                r.value() instanceof ExecutionStatusChanged s && s.executionId().equals(id) && s.state().isTerminal());
    }

    private Path ledger() {
        return identity.workDir().resolve(AssignmentService.LEDGER_FILE);
    }

    @Test
    void anAssignmentThatDoesNotFitIsRefusedWith409() throws Exception {
        UUID id = Ids.newExecutionId();
        ExecutionSpec huge = new ExecutionSpec(IMAGE, List.of(), Map.of(), 0.5, Integer.MAX_VALUE, 5, NetworkMode.NONE, 1,
                Map.of());
        post(presigned.of(id, "p", 1, huge, Map.of(), null)).then().statusCode(409)
                .contentType(Problem.MEDIA_TYPE).body("code", equalTo("CONFLICT"));
    }

    private void put(String key, byte[] bytes) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
    }

    /** The image has pip; on a host without Docker the process runtime needs the host's python3 to have it. */
    private void assumePipWhereScriptsRun() throws Exception {
        String runtime = given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.HEALTH).then().statusCode(200)
                .extract().path("runtime");
        if ("process".equals(runtime)) {
            Requirements.pip(); // the process runtime installs requirements with the host's python3
        }
    }

    /**
     * A pure-Python wheel made by hand (no build tools, no index needed): module rgridgreet with
     * greet(name). pip installs it from a path with no network.
     */
    static byte[] greetWheel() throws Exception {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("rgridgreet/__init__.py", "def greet(name):\n    return 'greetings, ' + name\n"
                .getBytes(StandardCharsets.UTF_8));
        files.put("rgridgreet-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: rgridgreet\nVersion: 1.0\n"
                .getBytes(StandardCharsets.UTF_8));
        files.put("rgridgreet-1.0.dist-info/WHEEL", ("Wheel-Version: 1.0\nGenerator: rgrid-test\n"
                + "Root-Is-Purelib: true\nTag: py3-none-any\n").getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(file.getValue());
            record.append(file.getKey()).append(",sha256=")
                    .append(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest))
                    .append(',').append(file.getValue().length).append('\n');
        }
        record.append("rgridgreet-1.0.dist-info/RECORD,,\n");
        files.put("rgridgreet-1.0.dist-info/RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
        var out = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void requirementsAreInstalledBeforeTheScriptWithTheirOutputInTheLog() throws Exception {
        assumePipWhereScriptsRun();
        UUID id = putScript("import rgridgreet\nprint(rgridgreet.greet('rgrid'))\n");
        String wheel = "rgridgreet-1.0-py3-none-any.whl";
        put(StorageKeys.input(id, wheel), greetWheel());
        put(StorageKeys.requirements(id), ("./inputs/" + wheel + "\n").getBytes(StandardCharsets.UTF_8));
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of(), Map.of(), 0.5, 256, 120, NetworkMode.NONE, 3, Map.of());
        post(presigned.of(id, "p", 1, spec, Map.of(wheel, StorageKeys.input(id, wheel)), StorageKeys.requirements(id)))
                .then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(120));
        String log = read(StorageKeys.log(id, 1, run(id)));
        assertThat(terminal.state()).as(log).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(log).contains("[rgrid] installing requirements.txt")
                .contains("[rgrid] pip: ").contains("Successfully installed rgridgreet-1.0")
                .contains("[rgrid] requirements installed in").contains("greetings, rgrid");
    }

    @Test
    void requirementsThatCannotBeInstalledFailTheAttempt() throws Exception {
        assumePipWhereScriptsRun();
        UUID id = putScript("print('never runs')\n");
        put(StorageKeys.requirements(id), "rgrid-no-such-package==9.9\n".getBytes(StandardCharsets.UTF_8));
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of(), Map.of(), 0.5, 256, 120, NetworkMode.NONE, 3, Map.of());
        post(presigned.of(id, "p", 1, spec, Map.of(), StorageKeys.requirements(id))).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(120));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.REQUIREMENTS_FAILED);
        String log = read(StorageKeys.log(id, 1, run(id)));
        assertThat(log).contains("rgrid-no-such-package").doesNotContain("never runs");
    }

    @Test
    void outputsOverTheLimitFailTheAttemptAndNothingIsStored() throws Exception {
        // The test profile allows 5 files.
        UUID id = putScript("""
                for i in range(6):
                    open(f'outputs/part-{i}.txt', 'w').write(str(i))
                print('wrote 6 files')
                """);
        post(assignment(id, 60, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.OUTPUT_LIMIT);
        assertThat(terminal.exitCode()).isZero();
        assertThat(terminal.message()).contains("6 files").contains("at most 5 files");
        assertThat(read(StorageKeys.log(id, 1, run(id)))).contains("wrote 6 files").contains("[rgrid] outputs over the limit");
        var listed = s3.listObjects(ListObjectsArgs.builder().bucket(bucket)
                .prefix(StorageKeys.outputsPrefix(id, 1, run(id))).recursive(true).build());
        assertThat(listed).isEmpty();
    }

    @Test
    void outputsOverTheByteLimitFailTheAttemptAndNothingIsStored() throws Exception {
        // The test profile allows 1 MiB in all: two files of 600 KiB are each under it, together over it.
        UUID id = putScript("""
                for name in ('a.bin', 'b.bin'):
                    open('outputs/' + name, 'wb').write(b'x' * 600 * 1024)
                """);
        post(assignment(id, 60, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.OUTPUT_LIMIT);
        assertThat(terminal.message()).contains("2 files of 1228800 bytes").contains("1048576 bytes");
        assertThat(read(StorageKeys.log(id, 1, run(id)))).contains("[rgrid] outputs over the limit");
        var listed = s3.listObjects(ListObjectsArgs.builder().bucket(bucket)
                .prefix(StorageKeys.outputsPrefix(id, 1, run(id))).recursive(true).build());
        assertThat(listed).isEmpty();
    }

    @Test
    void outputsInSubFoldersAreStoredAndBadNamesAndLinksAreRefusedOneByOne() throws Exception {
        UUID id = putScript("""
                import os
                os.makedirs('outputs/sub/deeper')
                open('outputs/sub/b.txt', 'w').write('bee')
                open('outputs/sub/deeper/c.txt', 'w').write('sea')
                open('outputs/..\\\\..\\\\x', 'w').write('escape')
                open('outputs/sub/a\\\\b.txt', 'w').write('backslash')
                os.symlink('/etc/passwd', 'outputs/link')
                os.symlink('/etc', 'outputs/sub/linked-dir')
                print('wrote them')
                """);
        post(assignment(id, 60, Map.of())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        String log = read(StorageKeys.log(id, 1, run(id)));
        assertThat(terminal.state()).as(log).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(terminal.exitCode()).isZero();
        assertThat(terminal.reason()).isNull();

        List<String> stored = new java.util.ArrayList<>();
        for (var item : s3.listObjects(ListObjectsArgs.builder().bucket(bucket)
                .prefix(StorageKeys.outputsPrefix(id, 1, run(id))).recursive(true).build())) {
            stored.add(item.get().objectName().substring(StorageKeys.outputsPrefix(id, 1, run(id)).length()));
        }
        assertThat(stored).containsExactlyInAnyOrder("sub/b.txt", "sub/deeper/c.txt");
        assertThat(read(StorageKeys.output(id, 1, run(id), "sub/b.txt"))).isEqualTo("bee");
        assertThat(read(StorageKeys.output(id, 1, run(id), "sub/deeper/c.txt"))).isEqualTo("sea");

        assertThat(log).contains("wrote them")
                .contains("[rgrid] output not stored: '..\\..\\x' contains a backslash")
                .contains("[rgrid] output not stored: 'sub/a\\b.txt' contains a backslash")
                .contains("[rgrid] outputs/link is a symbolic link: not followed, not stored")
                .contains("[rgrid] outputs/sub/linked-dir is a symbolic link: not followed, not stored")
                .doesNotContain("root:");
    }

    @Test
    void theLogIsStoredWhileTheScriptRuns() throws Exception {
        UUID id = putScript("import time\nprint('early line', flush=True)\ntime.sleep(60)\n");
        post(assignment(id, 120, Map.of())).then().statusCode(202);
        try {
            // Upload interval is 1 s in the test profile; the attempt is still running meanwhile.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> read(StorageKeys.log(id, 1, run(id))).contains("early line"));
            assertThat(statuses(id)).noneMatch(s -> s.state().isTerminal());
        } finally {
            given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.cancel(id.toString())).then().statusCode(202);
        }
        assertThat(awaitTerminal(id, Duration.ofSeconds(10)).state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(read(StorageKeys.log(id, 1, run(id)))).startsWith("early line\n");
    }

    @Test
    void anAssignmentWithoutUsableStorageAccessOrAttemptKeyIsRefusedAndNothingRuns() throws Exception {
        UUID id = putScript("print('must never run')\n");
        Assignment good = assignment(id, 60, Map.of());
        Assignment without = new Assignment(id, good.projectId(), 1, good.spec(), good.bucket(), good.scriptKey(),
                Map.of(), null, null);
        post(without).then().statusCode(422).contentType(Problem.MEDIA_TYPE).body("code", equalTo("INVALID_SPEC"))
                .body("errors.field", hasItem("storage")).body("errors.field", hasItem("reportKeys"));
        // An attempt key for another worker only: this agent could sign nothing the control plane accepts.
        post(good.withReportKeys(Map.of("rgrid-worker-other1", good.reportKeys().get(identity.workerId()))))
                .then().statusCode(422).body("errors.field", hasItem("reportKeys"));
        StorageAccess access = good.storage();
        Assignment badRun = new Assignment(id, good.projectId(), 1, good.spec(), good.bucket(), good.scriptKey(),
                Map.of(), null, new StorageAccess("../other-run", access.scriptUrl(), Map.of(), null, access.uploadUrl(),
                access.uploadFields(), access.expiresAt()));
        post(badRun).then().statusCode(422).body("errors.field", hasItem("storage.run"));
        Assignment extraInput = new Assignment(id, good.projectId(), 1, good.spec(), good.bucket(), good.scriptKey(),
                Map.of(), null, new StorageAccess(access.run(), access.scriptUrl(), Map.of("x.csv", access.scriptUrl()),
                null, access.uploadUrl(), access.uploadFields(), access.expiresAt()));
        post(extraInput).then().statusCode(422).body("errors.field", hasItem("storage.inputUrls"));
        // Refused before anything started: no report, and the attempt is still free to be sent right.
        poll();
        assertThat(statuses(id)).isEmpty();
        post(good).then().statusCode(202);
        assertThat(awaitTerminal(id, Duration.ofSeconds(60)).state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    @Test
    void aScriptUrlThatTheStoreRefusesFailsTheAttemptAsInputUnavailable() throws Exception {
        // An expired or forged URL: the signature no longer matches (one character of it changed).
        UUID id = putScript("print('must never run')\n");
        Assignment good = assignment(id, 60, Map.of());
        StorageAccess access = good.storage();
        String url = access.scriptUrl();
        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        String forged = url.substring(0, at) + (url.charAt(at) == '0' ? '1' : '0') + url.substring(at + 1);
        post(new Assignment(id, good.projectId(), 1, good.spec(), good.bucket(), good.scriptKey(), Map.of(), null,
                new StorageAccess(access.run(), forged, Map.of(), null, access.uploadUrl(), access.uploadFields(),
                        access.expiresAt()), good.reportKeys())).then().statusCode(202);
        ExecutionStatusChanged terminal = awaitTerminal(id, Duration.ofSeconds(60));
        assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(terminal.reason()).isEqualTo(FailureReason.INPUT_UNAVAILABLE);
        assertThat(terminal.message()).contains("cannot fetch the script " + StorageKeys.script(id) + ": HTTP 403")
                .doesNotContain("X-Amz");
        assertThat(terminal.run()).isEqualTo(access.run());
    }

    @Test
    void inputNamesMustBePlainFileNames() throws Exception {
        UUID id = Ids.newExecutionId();
        post(assignment(id, 5, Map.of("../etc/passwd", "x"))).then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE).body("code", equalTo("INVALID_FILE_NAME"));
    }
}
