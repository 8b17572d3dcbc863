package io.rgrid.api.logs;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.Problem;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.LogStream;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** Live logs as server-sent events, and the outputs of an attempt. */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class LiveLogsAndOutputsTest {

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    /**
     * One stream from submission to the end: the state as the stream opens (QUEUED), the log, each
     * state change as it is applied (RUNNING), and the end with the final state.
     */
    @Test
    void followStreamsBufferedAndLiveChunksOnceAndEndsWithTheFinalState() throws Exception {
        UUID id = submit();
        // A chunk written before anyone follows: the follower still gets it (from the buffer).
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 0, "first\n", 0L));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !hub.followed().contains(id)
                && bufferedHas(id));

        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = follow(id, lines);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.contains("first")));

        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 1, "second\n", 6L));
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 1, "second\n", 6L)); // redelivered
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDERR, 2, "third\n", 13L));
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("third")));
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.RUNNING, "rgrid-worker-abcdef", null, null, null,
                "rgrid-worker-abcdef", Instant.now()));
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("\"state\":\"RUNNING\"")));
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abcdef", 0, null, null,
                "rgrid-worker-abcdef", Instant.now()));
        reader.join(Duration.ofSeconds(20));
        assertThat(reader.isAlive()).as("the stream ends after the final state").isFalse();

        List<String> events = new ArrayList<>(lines.stream().filter(l -> l.startsWith("event: ")).toList());
        assertThat(events).containsExactly("event: state", "event: log", "event: log", "event: log", "event: state",
                "event: end");
        assertThat(lines.stream().filter(l -> l.contains("second")).count()).isEqualTo(1);
        assertThat(lines).contains("id: 1-2");
        assertThat(Json.mapper().readTree(dataOf(lines, "state", 0)).path("state").asText()).isEqualTo("QUEUED");
        JsonNode running = Json.mapper().readTree(dataOf(lines, "state", 1));
        assertThat(running.path("state").asText()).isEqualTo("RUNNING");
        assertThat(running.path("workerId").asText()).isEqualTo("rgrid-worker-abcdef");
        assertThat(running.path("id").asText()).isEqualTo(id.toString());
        assertThat(dataOf(lines, "end", 0)).contains("\"state\":\"SUCCEEDED\"").contains("\"exitCode\":0");
        // The end carries the script's start and end as GET shows them (the CLI's --timings).
        JsonNode end = Json.mapper().readTree(dataOf(lines, "end", 0));
        JsonNode view = Json.mapper().readTree(Keys.as(adminKey).get(ApiPaths.execution(id.toString())).asString());
        assertThat(end.path("startedAt").asText()).isNotEmpty();
        assertThat(Instant.parse(end.path("startedAt").asText())).isEqualTo(Instant.parse(view.path("startedAt").asText()));
        assertThat(Instant.parse(end.path("finishedAt").asText())).isEqualTo(Instant.parse(view.path("finishedAt").asText()))
                .isAfterOrEqualTo(Instant.parse(end.path("startedAt").asText()));
        // And the whole final execution, field for field as GET shows it: the CLI ends without a GET.
        assertThat(Json.mapper().treeToValue(end.path("execution"), ExecutionView.class))
                .isEqualTo(Json.mapper().treeToValue(view, ExecutionView.class));
    }

    /** The data line of the {@code n}-th (from 0) event named {@code event}. */
    private static String dataOf(List<String> lines, String event, int n) {
        int seen = 0;
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).equals("event: " + event) && seen++ == n) {
                for (int j = i + 1; j < lines.size(); j++) {
                    if (lines.get(j).startsWith("data: ")) {
                        return lines.get(j).substring(6);
                    }
                }
            }
        }
        throw new AssertionError("no event " + event + " #" + n + " in " + lines);
    }

    @Test
    void followAfterAPartialStoredLogContinuesLiveAndEndsWithTheWholeLog() throws Exception {
        // The worker stores the log so far while it runs, and the final state can overtake the
        // last chunks: the stream must neither repeat what was stored nor lose the tail.
        UUID id = submit();
        servers.putObject(StorageKeys.log(id, 1), "one\ntwo\n");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = follow(id, lines);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.contains("two")));

        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 0, "one\n", 0L));
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 1, "two\nthr", 4L));
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("\"thr\"")));
        servers.putObject(StorageKeys.log(id, 1), "one\ntwo\nthree\nfour\n");
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abcdef", 0, null, null,
                "rgrid-worker-abcdef", Instant.now()));
        reader.join(Duration.ofSeconds(20));
        assertThat(reader.isAlive()).as("the stream ends after the final state").isFalse();

        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("data: ") && line.contains("\"text\"")) {
                text.append(Json.mapper().readTree(line.substring(6)).path("text").asText());
            }
        }
        assertThat(text.toString()).isEqualTo("one\ntwo\nthree\nfour\n");
        assertThat(lines.getLast().isEmpty() ? lines.get(lines.size() - 2) : lines.getLast()).contains("SUCCEEDED");
    }

    /**
     * The worker's terminal report (with the stored log's length) overtakes the last chunks, which
     * then never come: the stream still ends with the whole log, once, and the end tells its length.
     */
    @Test
    void theEndBeforeTheLastChunkStillDeliversTheWholeLogOnceAndTellsItsLength() throws Exception {
        UUID id = submit();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = follow(id, lines);
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 0, "grüße\n", 0L));
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("grüße")));
        String whole = "grüße\nzwei ✓\ndrei\n";
        servers.putObject(StorageKeys.log(id, 1), whole);
        long length = whole.getBytes(StandardCharsets.UTF_8).length;
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abcdef", 0, null, null,
                "rgrid-worker-abcdef", Instant.now()).withLog(length, 2));
        reader.join(Duration.ofSeconds(20));
        assertThat(reader.isAlive()).as("the stream ends after the final state").isFalse();
        // The late chunk 1 would now be a duplicate; nothing of it may appear twice.
        assertThat(streamedText(lines)).isEqualTo(whole);
        String end = dataOf(lines, "end", 0);
        assertThat(Json.mapper().readTree(end).path("logBytes").asLong()).isEqualTo(length);
        assertThat(Json.mapper().readTree(end).path("sentBytes").asLong()).isEqualTo(length);
        assertThat(Keys.as(adminKey).get(ApiPaths.execution(id.toString())).jsonPath().getLong("logBytes")).isEqualTo(length);
    }

    @Test
    void theStoredLogIsServedFromAByteAndAnEndedAttemptWithoutOneIsAProblem() throws Exception {
        UUID id = submit();
        // Running, nothing stored yet: an empty log, not an error.
        Keys.as(adminKey).get(ApiPaths.logs(id.toString())).then().statusCode(200).body(equalTo(""));
        servers.putObject(StorageKeys.log(id, 1), "grüße\nzwei\n");
        Response ranged = Keys.as(adminKey).header("Range", "bytes=8-").get(ApiPaths.logs(id.toString()));
        ranged.then().statusCode(206).header("Content-Range", "bytes 8-12/13");
        assertThat(ranged.asByteArray()).isEqualTo("zwei\n".getBytes(StandardCharsets.UTF_8));
        expectProblem(Keys.as(adminKey).header("Range", "bytes=13-").get(ApiPaths.logs(id.toString())), 416, "RANGE_NOT_SATISFIABLE");
        expectProblem(Keys.as(adminKey).header("Range", "bytes=0-5").get(ApiPaths.logs(id.toString())), 400, "MALFORMED_REQUEST");
        expectProblem(Keys.as(adminKey).header("Range", "lines=3").get(ApiPaths.logs(id.toString())), 400, "MALFORMED_REQUEST");

        UUID never = submit();
        servers.publishStatus(new ExecutionStatusChanged(never, 1, ExecutionState.CANCELLED, null, null, null, null, "orchestrator",
                Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "CANCELLED".equals(Keys.as(adminKey).get(ApiPaths.execution(never.toString())).jsonPath().getString("state")));
        expectProblem(Keys.as(adminKey).get(ApiPaths.logs(never.toString())), 404, "LOG_NOT_STORED");
    }

    private static void expectProblem(Response response, int status, String code) {
        response.then().statusCode(status).contentType(Problem.MEDIA_TYPE).body("code", equalTo(code));
    }

    private static String streamedText(List<String> lines) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("data: ") && line.contains("\"text\"")) {
                text.append(Json.mapper().readTree(line.substring(6)).path("text").asText());
            }
        }
        return text.toString();
    }

    @Test
    void followOfAnEndedExecutionSendsTheStoredLogAndEnds() throws Exception {
        UUID id = submit();
        servers.putObject(StorageKeys.log(id, 1), "stored line\n");
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.CANCELLED, null, null, null, null, "orchestrator",
                Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "CANCELLED".equals(Keys.as(adminKey).get(ApiPaths.execution(id.toString())).jsonPath().getString("state")));
        Response response = Keys.as(adminKey).queryParam("follow", "true").get(ApiPaths.logs(id.toString()));
        response.then().statusCode(200);
        String body = response.asString();
        assertThat(body).contains("event: log").contains("stored line").contains("event: end").contains("CANCELLED");
    }

    @Test
    void outputsAreListedAndDownloaded() throws Exception {
        UUID id = submit();
        servers.putObject(StorageKeys.output(id, 1, "result.csv"), "a,b\n1,2\n");
        servers.putObject(StorageKeys.output(id, 1, "plot data.txt"), "xy");
        Response list = Keys.as(adminKey).get(ApiPaths.execution(id.toString()) + "/outputs");
        list.then().statusCode(200).body("attempt", equalTo(1)).body("outputs.name", hasItem("result.csv"))
                .body("outputs.find { it.name == 'result.csv' }.size", equalTo(8))
                .body("outputs.find { it.name == 'plot data.txt' }.size", equalTo(2));
        assertThat(list.jsonPath().getString("outputs.find { it.name == 'result.csv' }.etag")).isNotBlank();

        Response download = Keys.as(adminKey).get(ApiPaths.execution(id.toString()) + "/outputs/result.csv");
        download.then().statusCode(200).body(equalTo("a,b\n1,2\n"));
        assertThat(download.header("Content-Disposition")).contains("result.csv");
        assertThat(download.header("Content-Length")).isEqualTo("8");
        Keys.as(adminKey).get(ApiPaths.execution(id.toString()) + "/outputs/plot data.txt").then().statusCode(200).body(equalTo("xy"));

        expect(Keys.as(adminKey).get(ApiPaths.execution(id.toString()) + "/outputs/missing.txt"), 404, "NOT_FOUND");
        expect(Keys.as(adminKey).queryParam("attempt", 2).get(ApiPaths.execution(id.toString()) + "/outputs"), 404, "NOT_FOUND");
        Keys.as(adminKey).get(ApiPaths.execution(submit().toString()) + "/outputs").then().statusCode(200)
                .body("outputs.size()", equalTo(0));
    }

    @Test
    void outputsInSubFoldersAreDownloadedByEitherSpellingOfTheirName() throws Exception {
        UUID id = submit();
        servers.putObject(StorageKeys.output(id, 1, "sub/b.txt"), "bee");
        servers.putObject(StorageKeys.output(id, 1, "sub/deeper/c d.txt"), "sea");
        String outputs = ApiPaths.execution(id.toString()) + "/outputs/";
        Keys.as(adminKey).get(ApiPaths.execution(id.toString()) + "/outputs").then().statusCode(200)
                .body("outputs.name", hasItem("sub/b.txt")).body("outputs.name", hasItem("sub/deeper/c d.txt"));

        Response segments = Keys.as(adminKey).urlEncodingEnabled(false).get(outputs + "sub/b.txt");
        segments.then().statusCode(200).body(equalTo("bee"));
        assertThat(segments.header("Content-Disposition")).isEqualTo("attachment; filename*=UTF-8''b.txt");
        Keys.as(adminKey).urlEncodingEnabled(false).get(outputs + "sub%2Fb.txt").then().statusCode(200).body(equalTo("bee"));
        Keys.as(adminKey).urlEncodingEnabled(false).get(outputs + "sub/deeper/c%20d.txt").then().statusCode(200)
                .body(equalTo("sea"));
        Keys.as(adminKey).urlEncodingEnabled(false).get(outputs + "sub%2Fdeeper%2Fc%20d.txt").then().statusCode(200)
                .body(equalTo("sea"));
        expect(Keys.as(adminKey).urlEncodingEnabled(false).get(outputs + "sub/missing.txt"),
                404, "NOT_FOUND");
        // The OpenAPI document keeps the plain template (the e2e security suite fills in {name}).
        RestAssured.given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/executions/{id}/outputs/{name}:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..%2Fscript", "sub%2F..%2F..%2Fscript", "sub/..%2F..%2Fscript", "%2Fetc%2Fpasswd",
            "..%5C..%5Cx", "a%5Cb.txt", "%2E%2E%2Fscript"})
    void absoluteNamesDotDotSegmentsAndBackslashesAreRefusedWith400(String rawName) throws Exception {
        UUID id = submit();
        // An object under a refused name exists, so only the name check can refuse it.
        servers.putObject(StorageKeys.output(id, 1, "a\\b.txt"), "stored under a backslash name");
        Response response = Keys.as(adminKey).urlEncodingEnabled(false).get(ApiPaths.execution(id.toString()) + "/outputs/" + rawName);
        expect(response, 400, "INVALID_FILE_NAME");
        assertThat(response.jsonPath().getString("detail")).startsWith("invalid output name: ");
        assertThat(response.asString()).doesNotContain("print(1)").doesNotContain("stored under");
    }

    @Inject
    LogHub hub;

    private boolean bufferedHas(UUID id) {
        return !servers.bufferedChunks(id).isEmpty();
    }

    /** Opens {@code logs?follow=true}, checks it is an event stream, and collects its lines on a virtual thread. */
    private Thread follow(UUID id, List<String> lines) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                        + ApiPaths.logs(id.toString()) + "?follow=true"))
                .header(Auth.HEADER, Auth.header(adminKey)).build();
        CompletableFuture<HttpResponse<java.io.InputStream>> pending = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<java.io.InputStream> response = pending.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception ignored) {
                // stream closed
            }
        });
    }

    private static void expect(Response response, int status, String code) {
        response.then().statusCode(status).contentType("application/problem+json").body("code", equalTo(code));
    }

    private UUID submit() {
        Response response = Keys.as(adminKey).multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return UUID.fromString(response.jsonPath().getString("id"));
    }
}
