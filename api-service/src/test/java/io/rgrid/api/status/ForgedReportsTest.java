package io.rgrid.api.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.LogStream;
import io.rgrid.model.signing.RecordSignatures;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.testinfra.SignedRecords;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reports from a Kafka client that does not hold the attempt key (a worker's credentials, another
 * attempt's key, a guess at the control plane's) are dead-lettered and counted in
 * {@code rgrid_unverified_records_total}, never applied; a real worker's reports pass.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class ForgedReportsTest {

    private static final String WORKER = "rgrid-worker-forgd1";
    /** What a client with a worker's credentials holds: its token, not the attempt key. */
    private static final byte[] WORKER_CREDENTIAL = RecordSignatures.secretKey("the-workers-own-token");

    @Inject
    ApiTestSupport servers;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void forgedStatusReportsAreDeadLetteredAndCountedWhileTheWorkersOwnApply() throws Exception {
        UUID id = submit();
        String topic = servers.topic(Topics.EXECUTION_STATUS);
        double before = unverified("execution-status");
        ExecutionStatusChanged done = new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, WORKER, 0, null, null,
                WORKER, Instant.now());
        byte[] value = EventCodec.encode(Envelope.of(done));

        servers.send(new ProducerRecord<>(topic, id.toString(), value));
        servers.send(SignedRecords.raw(topic, id.toString(), value, RecordSignatures.worker(WORKER), WORKER_CREDENTIAL));
        // The key of another attempt of the same execution, on the same worker.
        servers.send(SignedRecords.raw(topic, id.toString(), value, RecordSignatures.worker(WORKER),
                RecordSignatures.attemptKey(RecordSignatures.secretKey(SignedRecords.controlPlaneKey()), id, 2, WORKER)));
        // The orchestrator's word, without K.
        ExecutionStatusChanged cancelled = new ExecutionStatusChanged(id, 1, ExecutionState.CANCELLED, null, null, null,
                "forged", ExecutionStatusChanged.ORCHESTRATOR, Instant.now());
        servers.send(SignedRecords.raw(topic, id.toString(), EventCodec.encode(Envelope.of(cancelled)),
                RecordSignatures.CONTROL_PLANE, WORKER_CREDENTIAL));
        servers.publishStatus(new ExecutionStatusChanged(id, 1, ExecutionState.RUNNING, WORKER, null, null, null, WORKER,
                Instant.now()));

        await().atMost(Duration.ofSeconds(60)).until(() -> servers.transitions(id).stream()
                .anyMatch(t -> t.endsWith("->RUNNING")));
        assertThat(servers.transitions(id)).as("only the worker's own report was applied")
                .noneMatch(t -> t.endsWith("->SUCCEEDED") || t.endsWith("->CANCELLED"));
        assertThat(unverified("execution-status")).isGreaterThanOrEqualTo(before + 4);
    }

    @Test
    void forgedLogChunksAreDeadLetteredAndCountedWhileTheWorkersOwnReachFollowers() throws Exception {
        UUID id = submit();
        String topic = servers.topic(Topics.EXECUTION_LOGS);
        double before = unverified("execution-logs");
        byte[] forged = EventCodec.encode(Envelope.of(new ExecutionLogChunk(id, 1, LogStream.STDOUT, 0, "FORGED\n", 0L)));

        servers.send(new ProducerRecord<>(topic, id.toString(), forged));
        servers.send(SignedRecords.raw(topic, id.toString(), forged, RecordSignatures.worker(WORKER), WORKER_CREDENTIAL));
        servers.publish(Topics.EXECUTION_LOGS, new ExecutionLogChunk(id, 1, LogStream.STDOUT, 0, "real\n", 0L));

        await().atMost(Duration.ofSeconds(60)).until(() -> buffered(id).contains("real\n"));
        assertThat(buffered(id)).containsExactly("real\n");
        assertThat(unverified("execution-logs")).isGreaterThanOrEqualTo(before + 2);
    }

    private double unverified(String channel) {
        return registry.find("rgrid.unverified.records").tag("channel", channel).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /** The texts of the live chunks the API holds for {@code id}. */
    private List<String> buffered(UUID id) {
        return servers.bufferedChunks(id).stream().map(ExecutionLogChunk::text).toList();
    }

    private UUID submit() {
        Response response = Keys.as(adminKey).multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return UUID.fromString(response.jsonPath().getString("id"));
    }
}
