package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class ExecutionApiTest {

    private static final Duration EVENTUALLY = Duration.ofSeconds(30);
    private static final String SCRIPT = "print('hello from rgrid')\n";

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String key;

    @Test
    void submissionIsStoredCommittedAndPublished() throws Exception {
        Response response = authorized()
                .multiPart("spec", "{\"memory\": \"1g\", \"cpus\": 2, \"args\": [\"--n\", \"3\"], \"network\": \"none\"}", "application/json")
                .multiPart("script", "hello.py", SCRIPT.getBytes(StandardCharsets.UTF_8), "text/x-python")
                .multiPart("inputs", "data.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8))
                .multiPart("inputs", ".hidden", "x".getBytes(StandardCharsets.UTF_8))
                .multiPart("requirements", "requirements.txt", "numpy\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201).contentType(ContentType.JSON);
        ExecutionView view = Json.mapper().readValue(response.asByteArray(), ExecutionView.class);
        UUID id = view.id();
        assertThat(response.header("Location")).endsWith(ApiPaths.execution(id.toString()));
        assertThat(id.version()).isEqualTo(7);
        assertThat(view.state()).isEqualTo(ExecutionState.QUEUED);
        assertThat(view.attempt()).isEqualTo(1);
        assertThat(view.projectId()).isEqualTo("default");
        assertThat(view.scriptName()).isEqualTo("hello.py");
        assertThat(view.inputs()).containsExactly("data.csv", ".hidden");
        assertThat(view.spec().memoryMb()).isEqualTo(1024);
        assertThat(view.spec().cpus()).isEqualTo(2.0);
        assertThat(view.spec().image()).isEqualTo("rgrid/python:3.11-local");
        assertThat(view.spec().timeoutSeconds()).isEqualTo(3600);
        assertThat(view.spec().maxAttempts()).isEqualTo(3);

        assertThat(servers.executionExists(id)).isTrue();
        assertThat(servers.transitions(id)).containsExactly("1:null->QUEUED");
        assertThat(servers.objectExists(StorageKeys.script(id))).isTrue();
        assertThat(servers.objectExists(StorageKeys.input(id, "data.csv"))).isTrue();
        assertThat(servers.objectExists(StorageKeys.input(id, ".hidden"))).isTrue();
        assertThat(servers.objectExists(StorageKeys.requirements(id))).isTrue();

        ConsumerRecord<String, byte[]> record = servers.awaitExecutionEvent(id, "ExecutionSubmitted", EVENTUALLY)
                .orElseThrow(() -> new AssertionError("no ExecutionSubmitted for " + id + " on " + servers.topic("rgrid.executions.v1")));
        assertThat(record.topic()).isEqualTo("api.rgrid.executions.v1");
        Envelope<Event> envelope = EventCodec.decode(record.value()).orElseThrow();
        ExecutionSubmitted submitted = (ExecutionSubmitted) envelope.payload();
        assertThat(submitted.attempt()).isEqualTo(1);
        assertThat(submitted.projectId()).isEqualTo("default");
        assertThat(submitted.spec()).isEqualTo(view.spec());
        assertThat(submitted.scriptKey()).isEqualTo(StorageKeys.script(id));
        assertThat(submitted.inputKeys()).containsEntry("data.csv", StorageKeys.input(id, "data.csv"));
        assertThat(submitted.requirementsKey()).isEqualTo(StorageKeys.requirements(id));
        await().atMost(EVENTUALLY).until(() -> servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL") == 0);

        ExecutionView fetched = getView(id);
        assertThat(fetched).isEqualTo(view);
    }

    @Test
    void statusReportsDriveTheExecutionToSucceeded() throws Exception {
        UUID id = submitMinimal();
        servers.publishStatus(report(id, 1, ExecutionState.ASSIGNED, "rgrid-worker-abc123", null, "orchestrator"));
        servers.publishStatus(report(id, 1, ExecutionState.RUNNING, "rgrid-worker-abc123", null, "rgrid-worker-abc123"));
        servers.publishStatus(report(id, 1, ExecutionState.RUNNING, "rgrid-worker-abc123", null, "rgrid-worker-abc123"));
        servers.publishStatus(report(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abc123", 0, "rgrid-worker-abc123"));

        await().atMost(EVENTUALLY).untilAsserted(() -> {
            ExecutionView view = getView(id);
            assertThat(view.state()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(view.exitCode()).isZero();
            assertThat(view.workerId()).isEqualTo("rgrid-worker-abc123");
            assertThat(view.startedAt()).isNotNull();
            assertThat(view.finishedAt()).isNotNull();
        });
        assertThat(servers.transitions(id)).containsExactly(
                "1:null->QUEUED", "1:QUEUED->ASSIGNED", "1:ASSIGNED->RUNNING", "1:RUNNING->SUCCEEDED");

        // A late illegal report (SUCCEEDED → FAILED) changes nothing; a later report proves it was consumed.
        servers.publishStatus(report(id, 1, ExecutionState.FAILED, "rgrid-worker-abc123", 1, "rgrid-worker-abc123"));
        UUID marker = submitMinimal();
        servers.publishStatus(report(marker, 1, ExecutionState.ASSIGNED, "rgrid-worker-zzz999", null, "orchestrator"));
        awaitState(marker, ExecutionState.ASSIGNED);
        assertThat(getView(id).state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    @Test
    void workerReportsThatOvertakeTheAssignmentStillDriveTheExecution() throws Exception {
        // The worker publishes RUNNING and SUCCEEDED directly; the orchestrator's ASSIGNED goes
        // through its outbox and can arrive last. The row must still end SUCCEEDED.
        UUID id = submitMinimal();
        servers.publishStatus(report(id, 1, ExecutionState.RUNNING, "rgrid-worker-abc123", null, "rgrid-worker-abc123"));
        servers.publishStatus(report(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abc123", 0, "rgrid-worker-abc123"));
        servers.publishStatus(report(id, 1, ExecutionState.ASSIGNED, "rgrid-worker-abc123", null, "orchestrator"));
        UUID marker = submitMinimal();
        servers.publishStatus(report(marker, 1, ExecutionState.ASSIGNED, "rgrid-worker-zzz999", null, "orchestrator"));
        awaitState(marker, ExecutionState.ASSIGNED);

        ExecutionView view = getView(id);
        assertThat(view.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(view.exitCode()).isZero();
        assertThat(view.startedAt()).isNotNull();
        assertThat(servers.transitions(id)).containsExactly(
                "1:null->QUEUED", "1:QUEUED->ASSIGNED", "1:ASSIGNED->RUNNING", "1:RUNNING->SUCCEEDED");
    }

    @Test
    void requeueRaisesTheAttemptAndStaleReportsAreIgnored() throws Exception {
        UUID id = submitMinimal();
        servers.publishStatus(report(id, 1, ExecutionState.ASSIGNED, "rgrid-worker-aaaaaa", null, "orchestrator"));
        servers.publishStatus(report(id, 1, ExecutionState.RUNNING, "rgrid-worker-aaaaaa", null, "rgrid-worker-aaaaaa"));
        awaitState(id, ExecutionState.RUNNING);

        // The worker was lost: the orchestrator requeues as attempt 2.
        servers.publishStatus(report(id, 2, ExecutionState.QUEUED, null, null, "orchestrator"));
        await().atMost(EVENTUALLY).untilAsserted(() -> {
            ExecutionView view = getView(id);
            assertThat(view.state()).isEqualTo(ExecutionState.QUEUED);
            assertThat(view.attempt()).isEqualTo(2);
            assertThat(view.workerId()).isNull();
        });

        // The lost worker comes back and reports its attempt 1 as failed: too late, ignored.
        servers.publishStatus(report(id, 1, ExecutionState.FAILED, "rgrid-worker-aaaaaa", 137, "rgrid-worker-aaaaaa"));
        servers.publishStatus(report(id, 2, ExecutionState.ASSIGNED, "rgrid-worker-bbbbbb", null, "orchestrator"));
        await().atMost(EVENTUALLY).untilAsserted(() -> {
            ExecutionView view = getView(id);
            assertThat(view.state()).isEqualTo(ExecutionState.ASSIGNED);
            assertThat(view.attempt()).isEqualTo(2);
            assertThat(view.workerId()).isEqualTo("rgrid-worker-bbbbbb");
            assertThat(view.exitCode()).isNull();
        });
        assertThat(servers.transitions(id)).containsExactly("1:null->QUEUED", "1:QUEUED->ASSIGNED", "1:ASSIGNED->RUNNING",
                "2:RUNNING->QUEUED", "2:QUEUED->ASSIGNED");
    }

    @Test
    void malformedStatusRecordsAreSkipped() throws Exception {
        UUID id = submitMinimal();
        servers.publishRaw(id.toString(), "this is not json".getBytes(StandardCharsets.UTF_8));
        servers.publishRaw(id.toString(), "{\"type\":\"ExecutionStatusChanged\",\"payload\":42}".getBytes(StandardCharsets.UTF_8));
        servers.publishRaw(id.toString(), "{\"type\":\"SomethingFromTheFuture\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8));
        servers.publishStatus(report(id, 1, ExecutionState.CANCELLED, null, null, "orchestrator"));
        awaitState(id, ExecutionState.CANCELLED);
    }

    @Test
    void logsEndpointServesTheStoredLogOfTheCurrentAttempt() throws Exception {
        UUID id = submitMinimal();
        authorized().get(ApiPaths.logs(id.toString())).then().statusCode(200).body(equalTo(""));

        servers.putObject(StorageKeys.log(id, 1), "line one\nline two\n");
        authorized().get(ApiPaths.logs(id.toString())).then()
                .statusCode(200)
                .contentType(startsWith("text/plain"))
                .body(equalTo("line one\nline two\n"));

        servers.publishStatus(report(id, 1, ExecutionState.ASSIGNED, "rgrid-worker-cccccc", null, "orchestrator"));
        servers.publishStatus(report(id, 2, ExecutionState.QUEUED, null, null, "orchestrator"));
        await().atMost(EVENTUALLY).until(() -> getView(id).attempt() == 2);
        servers.putObject(StorageKeys.log(id, 2), "second attempt\n");
        authorized().get(ApiPaths.logs(id.toString())).then().statusCode(200).body(equalTo("second attempt\n"));
        authorized().queryParam("attempt", 1).get(ApiPaths.logs(id.toString())).then().statusCode(200)
                .body(equalTo("line one\nline two\n"));
        expectProblem(authorized().queryParam("attempt", 3).get(ApiPaths.logs(id.toString())), 404, "NOT_FOUND");
        expectProblem(authorized().queryParam("attempt", "x").get(ApiPaths.logs(id.toString())), 400, "MALFORMED_REQUEST");
        expectProblem(authorized().get(ApiPaths.logs(UUID.randomUUID().toString())), 404, "NOT_FOUND");
    }

    @Test
    void cancelWritesAnEventAndRefusesTerminalExecutions() throws Exception {
        UUID id = submitMinimal();
        Response accepted = authorized().post(ApiPaths.cancel(id.toString()));
        accepted.then().statusCode(202).body("id", equalTo(id.toString())).body("state", equalTo("QUEUED"));
        ConsumerRecord<String, byte[]> record = servers.awaitExecutionEvent(id, "ExecutionCancelRequested", EVENTUALLY)
                .orElseThrow(() -> new AssertionError("no ExecutionCancelRequested for " + id));
        assertThat(((ExecutionCancelRequested) EventCodec.decode(record.value()).orElseThrow().payload()).executionId()).isEqualTo(id);

        servers.publishStatus(report(id, 1, ExecutionState.CANCELLED, null, null, "orchestrator"));
        awaitState(id, ExecutionState.CANCELLED);
        expectProblem(authorized().post(ApiPaths.cancel(id.toString())), 409, "INVALID_STATE");
        expectProblem(authorized().post(ApiPaths.cancel(UUID.randomUUID().toString())), 404, "NOT_FOUND");
    }

    @Test
    void everyApiCallNeedsTheKey() {
        String path = ApiPaths.execution(UUID.randomUUID().toString());
        for (Consumer<RequestSpecification> auth : java.util.List.<Consumer<RequestSpecification>>of(
                r -> { },
                r -> r.header(Auth.HEADER, "Bearer wrong-key"),
                r -> r.header(Auth.HEADER, "Basic dXNlcjpwYXNz"),
                r -> r.header(Auth.HEADER, "Bearer"),
                r -> r.header(Auth.HEADER, key))) {
            RequestSpecification request = given();
            auth.accept(request);
            Response response = request.get(path);
            expectProblem(response, 401, "UNAUTHENTICATED");
            assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
        RequestSpecification unauthenticatedUpload = given().multiPart("script", "a.py", "x".getBytes(StandardCharsets.UTF_8));
        expectProblem(unauthenticatedUpload.post(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void readinessCoversDatabaseKafkaAndStorage() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 's3' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka' }.status", equalTo("UP"));
    }

    @Test
    void routingErrorsAreProblems() {
        expectProblem(authorized().get(ApiPaths.execution("not-a-uuid")), 404, "NOT_FOUND");
        expectProblem(authorized().get(ApiPaths.execution(UUID.randomUUID().toString())), 404, "NOT_FOUND");
        expectProblem(authorized().get(ApiPaths.BASE + "/nothing-here"), 404, "NOT_FOUND");
        expectProblem(given().get("/nothing-here"), 404, "NOT_FOUND");
        expectProblem(authorized().delete(ApiPaths.EXECUTIONS), 405, "METHOD_NOT_ALLOWED");
        expectProblem(authorized().contentType(ContentType.JSON).body("{}").post(ApiPaths.EXECUTIONS), 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    /** A declared body over the limit is refused from its headers alone, before any of it is sent. */
    @Test
    void oversizedBodyIsRefusedUpFront() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            String request = "POST " + ApiPaths.EXECUTIONS + " HTTP/1.1\r\n"
                    + "Host: localhost\r\n"
                    + "Authorization: Bearer " + key + "\r\n"
                    + "Content-Type: multipart/form-data; boundary=xyz\r\n"
                    + "Content-Length: 99999999999\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readNBytes(300), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 413").contains("application/problem+json");
        }
    }

    private UUID submitMinimal() throws Exception {
        Response response = authorized()
                .multiPart("script", "main.py", SCRIPT.getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return Json.mapper().readValue(response.asByteArray(), ExecutionView.class).id();
    }

    private ExecutionView getView(UUID id) throws Exception {
        Response response = authorized().get(ApiPaths.execution(id.toString()));
        response.then().statusCode(200).contentType(ContentType.JSON);
        return Json.mapper().readValue(response.asByteArray(), ExecutionView.class);
    }

    private void awaitState(UUID id, ExecutionState state) {
        await().atMost(EVENTUALLY).until(() -> getView(id).state() == state);
    }

    RequestSpecification authorized() {
        return given().header(Auth.HEADER, Auth.header(key));
    }

    static void expectProblem(Response response, int status, String code) {
        response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("code", equalTo(code));
    }

    private static ExecutionStatusChanged report(UUID id, int attempt, ExecutionState state, String worker, Integer exitCode,
                                                 String reportedBy) {
        return new ExecutionStatusChanged(id, attempt, state, worker, exitCode, null, null, reportedBy, Instant.now());
    }
}
