package io.rgrid.api.logs;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.rgrid.api.events.ExecutionEventsRoute;
import io.rgrid.api.stream.OpenStreams;
import io.rgrid.api.stream.SseOutbox;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.api.support.SlowSseClient;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.LogStream;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Clients that do not read their event streams: what the API holds for them stays bounded (the
 * outbox bound, {@link SseOutbox#MAX_QUEUED_BYTES}), the API stays healthy for everyone else, live
 * chunks past the bound end the stream with a {@code resume} event, and a key holds at most
 * {@code rgrid.streams.max-per-key} streams.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class SlowReadersTest {

    /** Far more than the socket buffers between server and client hold, so the server must hold back. */
    private static final int LOG_BYTES = 24 * 1024 * 1024;
    private static final int READERS = 3;

    @Inject
    ApiTestSupport servers;

    @Inject
    OpenStreams streams;

    @Inject
    LogHub hub;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void slowReadersOfALargeStoredLogHoldBoundedBuffersAndTheApiStaysHealthy() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("slow"));
        UUID id = submit(key);
        String log = logOf(LOG_BYTES);
        servers.putObject(StorageKeys.log(id, 1), log);
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abcdef", 0, null, null,
                "rgrid-worker-abcdef", Instant.now()).withLog(LOG_BYTES, 0));
        await().atMost(Duration.ofSeconds(30)).until(() -> "SUCCEEDED".equals(
                Keys.as(key).get(ApiPaths.execution(id.toString())).jsonPath().getString("state")));

        List<SlowSseClient> readers = new ArrayList<>();
        try {
            for (int i = 0; i < READERS; i++) {
                SlowSseClient reader = SlowSseClient.open(RestAssured.port, ApiPaths.logs(id.toString()) + "?follow=true", key);
                readers.add(reader);
                assertThat(reader.status()).isEqualTo(200);
            }
            // Each stream's reading of the stored log pauses once the sockets are full and its outbox
            // holds ROOM_BELOW or more; nobody reads, so from then on nothing drains.
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.queuedBytes() >= (long) READERS * SseOutbox.ROOM_BELOW);

            assertThat(streams.peakQueuedBytesPerStream()).isBetween((long) SseOutbox.ROOM_BELOW, (long) SseOutbox.MAX_QUEUED_BYTES);
            RestAssured.get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
            Keys.as(key).get(ApiPaths.execution(id.toString())).then().statusCode(200).body("state", equalTo("SUCCEEDED"));
            Keys.as(key).get(ApiPaths.logs(id.toString())).then().statusCode(200); // the plain log is served meanwhile

            // The readers wake up: each gets the whole log, exactly once and in order, then the end.
            for (SlowSseClient reader : readers) {
                List<SlowSseClient.Event> events = SlowSseClient.events(reader.readAll());
                StringBuilder text = new StringBuilder();
                for (SlowSseClient.Event event : events.subList(0, events.size() - 1)) {
                    assertThat(event.name()).isEqualTo("log");
                    text.append(Json.mapper().readTree(event.data()).get("text").asText());
                }
                assertThat(text.length()).isEqualTo(log.length());
                assertThat(text.toString()).isEqualTo(log);
                SlowSseClient.Event end = events.getLast();
                assertThat(end.name()).isEqualTo("end");
                assertThat(Json.mapper().readTree(end.data()).get("logBytes").asLong()).isEqualTo(LOG_BYTES);
            }
            assertThat(streams.peakQueuedBytesPerStream()).isLessThanOrEqualTo(SseOutbox.MAX_QUEUED_BYTES);
        } finally {
            for (SlowSseClient reader : readers) {
                reader.close();
            }
        }
    }

    @Test
    void liveChunksPastTheBoundEndTheStreamWithAResumeEventNamingTheBytesSent() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("cut"));
        UUID id = submit(key);
        StringBuilder published = new StringBuilder();
        try (SlowSseClient reader = SlowSseClient.open(RestAssured.port, ApiPaths.logs(id.toString()) + "?follow=true", key)) {
            assertThat(reader.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.followed().contains(id));
            long offset = 0;
            String text = "0123456789abcdef".repeat(1023) + "live line\n"; // 16378 bytes
            for (int seq = 0; seq < 4000 && hub.followed().contains(id); seq++) {
                hub.publish(new ExecutionLogChunk(id, 1, LogStream.STDOUT, seq, text, offset));
                offset += text.length();
                published.append(text);
            }
            assertThat(hub.followed()).as("the stream was ended before 64 MB were queued for it").doesNotContain(id);
            assertThat(streams.peakQueuedBytesPerStream()).isLessThanOrEqualTo(SseOutbox.MAX_QUEUED_BYTES);

            List<SlowSseClient.Event> events = SlowSseClient.events(reader.readAll());
            // The stream opens with the execution's state (QUEUED), then only the log until the cut.
            assertThat(events.getFirst().name()).isEqualTo("state");
            assertThat(Json.mapper().readTree(events.getFirst().data()).get("state").asText()).isEqualTo("QUEUED");
            StringBuilder received = new StringBuilder();
            for (SlowSseClient.Event event : events.subList(1, events.size() - 1)) {
                assertThat(event.name()).isEqualTo("log");
                received.append(Json.mapper().readTree(event.data()).get("text").asText());
            }
            SlowSseClient.Event resume = events.getLast();
            assertThat(resume.name()).isEqualTo("resume");
            JsonNode data = Json.mapper().readTree(resume.data());
            long sent = received.toString().getBytes(StandardCharsets.UTF_8).length;
            assertThat(data.get("attempt").asInt()).isEqualTo(1);
            assertThat(data.get("sentBytes").asLong()).isEqualTo(sent);
            assertThat(data.get("reason").asText()).contains("Range: bytes=" + sent + "-");
            assertThat(sent).isPositive().isLessThan(published.length());
            assertThat(published.substring(0, received.length())).isEqualTo(received.toString());
        }
    }

    @Test
    void aKeyHoldsAtMostItsStreamsTheNextIsRefusedWith429AndRetryAfter() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("streams"));
        UUID id = submit(key);
        List<SlowSseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) { // the default rgrid.streams.max-per-key, follows and events alike
                String path = i % 2 == 0 ? ExecutionEventsRoute.PATH : ApiPaths.logs(id.toString()) + "?follow=true";
                SlowSseClient stream = SlowSseClient.open(RestAssured.port, path, key);
                open.add(stream);
                assertThat(stream.status()).isEqualTo(200);
            }
            for (String path : List.of(ExecutionEventsRoute.PATH, ApiPaths.logs(id.toString()) + "?follow=true")) {
                try (SlowSseClient refused = SlowSseClient.open(RestAssured.port, path, key)) {
                    assertThat(refused.status()).isEqualTo(429);
                    assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
                    assertThat(refused.header("Retry-After")).isEqualTo("10");
                    JsonNode problem = Json.mapper().readTree(refused.readAll());
                    assertThat(problem.get("code").asText()).isEqualTo(ErrorCode.TOO_MANY_STREAMS.name());
                    assertThat(problem.get("status").asInt()).isEqualTo(429);
                    assertThat(problem.get("detail").asText()).contains("8 open streams", "rgrid.streams.max-per-key");
                }
            }
            // Another key is not affected, and plain requests of this key still work.
            try (SlowSseClient other = SlowSseClient.open(RestAssured.port, ExecutionEventsRoute.PATH, adminKey)) {
                assertThat(other.status()).isEqualTo(200);
            }
            Keys.as(key).get(ApiPaths.execution(id.toString())).then().statusCode(200);

            // A stream that ends gives its place back.
            open.removeFirst().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (SlowSseClient again = SlowSseClient.open(RestAssured.port, ExecutionEventsRoute.PATH, key)) {
                    return again.status() == 200;
                }
            });
        } finally {
            for (SlowSseClient stream : open) {
                stream.close();
            }
        }
    }

    /** ~64-byte numbered lines, {@code bytes} long in all. */
    private static String logOf(int bytes) {
        StringBuilder log = new StringBuilder(bytes);
        for (int line = 0; log.length() < bytes; line++) {
            log.append(String.format("line %08d of a long log, written by a chatty script ........%n", line));
        }
        log.setLength(bytes - 1);
        return log.append('\n').toString();
    }

    private static UUID submit(String key) {
        Response response = Keys.as(key).multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return UUID.fromString(response.jsonPath().getString("id"));
    }
}
