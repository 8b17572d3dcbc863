package io.rgrid.model.event;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.NetworkMode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {

    private static final ExecutionSpec SPEC = new ExecutionSpec("rgrid/python:3.11-local", List.of("--n", "3"),
            Map.of("A", "1"), 1.5, 512, 600, NetworkMode.NONE, 3, Map.of("team", "ds"));

    @Test
    void submittedRoundTripsWithItsEnvelope() {
        UUID id = Ids.newExecutionId();
        ExecutionSubmitted submitted = new ExecutionSubmitted(id, "default", 1, SPEC, "executions/" + id + "/script",
                Map.of("data.csv", "executions/" + id + "/inputs/data.csv"), null, Instant.parse("2026-11-26T10:00:00Z"));
        Envelope<ExecutionSubmitted> envelope = Envelope.of(submitted);

        Envelope<Event> decoded = EventCodec.decode(EventCodec.encode(envelope)).orElseThrow();

        assertThat(decoded.type()).isEqualTo("ExecutionSubmitted");
        assertThat(decoded.schemaVersion()).isEqualTo(1);
        assertThat(decoded.eventId()).isEqualTo(envelope.eventId());
        assertThat(decoded.payload()).isEqualTo(submitted);
        assertThat(decoded.payload().key()).isEqualTo(id.toString());
    }

    @Test
    void everyEventTypeRoundTrips() {
        UUID id = Ids.newExecutionId();
        List<Event> events = List.of(
                new ExecutionCancelRequested(id, "p", Instant.now()),
                new ExecutionStatusChanged(id, 2, ExecutionState.FAILED, "rgrid-worker-abc123", 137,
                        FailureReason.OOM_KILLED, "killed", "rgrid-worker-abc123", Instant.now()),
                new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abc123", 0, null, null,
                        "rgrid-worker-abc123", Instant.now()).withLog(12, 3).withRun("5b0c6f1e-2d7a-4f7e-9a51-3c1d2e4f5a6b"),
                new ExecutionLogChunk(id, 1, LogStream.STDERR, 7, "oops\n"),
                new WorkerHeartbeat("rgrid-worker-abc123", "http://127.0.0.1:8002", 2, 1.0, 1024,
                        List.of(new WorkerHeartbeat.RunningAttempt(id, 1)), "0.1.0", "docker", false),
                new WorkerHeartbeat("rgrid-worker-abc123", "http://127.0.0.1:8002", 2, 1.0, 1024, List.of(), "0.1.0",
                        "docker", false, List.of(new WorkerHeartbeat.FinishedAttempt(id, 2, ExecutionState.FAILED,
                        FailureReason.NONZERO_EXIT))),
                new WorkerLifecycleChanged("rgrid-worker-abc123", WorkerState.READY, "local", "local", Instant.now(), 0.0, null),
                new ExecutionWaiting(id, WaitReason.PROVISIONING, 60, "provisioning a worker"),
                new ExecutionWaiting(id, WaitReason.PROVISIONING, 60, "provisioning cx33 for it", "cx33"),
                new CostSnapshot(Instant.now(), 0.02, Map.of("rgrid-worker-abc123", 0.02)),
                new GridCapacityChanged("hetzner", List.of(new MachineType("cx23", 2, 4096, 0.0048),
                        new MachineType("cx33", 4, 8192, 0.008))));
        for (Event event : events) {
            Envelope<Event> decoded = EventCodec.decode(EventCodec.encode(Envelope.of(event))).orElseThrow();
            assertThat(decoded.payload()).isEqualTo(event);
            assertThat(decoded.type()).isEqualTo(EventType.of(event).name());
        }
    }

    @Test
    void unknownFieldsAreIgnoredAndUnknownTypesSkipped() {
        String withExtra = """
                {"eventId":"%s","type":"ExecutionCancelRequested","schemaVersion":1,"occurredAt":"2026-11-26T10:00:00Z",
                 "newEnvelopeField":true,
                 "payload":{"executionId":"%s","projectId":"p","requestedAt":"2026-11-26T10:00:00Z","why":"newer field"}}
                """.formatted(UUID.randomUUID(), Ids.newExecutionId());
        assertThat(EventCodec.decode(withExtra.getBytes(StandardCharsets.UTF_8))).isPresent();

        String futureType = """
                {"eventId":"%s","type":"ExecutionTeleported","schemaVersion":1,"occurredAt":"2026-11-26T10:00:00Z","payload":{}}
                """.formatted(UUID.randomUUID());
        assertThat(EventCodec.decode(futureType.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void aSpecAndAWaitReasonWithoutTheMachineFieldsStillDecode() {
        String before = """
                {"eventId":"%s","type":"ExecutionWaiting","schemaVersion":1,"occurredAt":"2026-11-26T10:00:00Z",
                 "payload":{"executionId":"%s","reason":"PROVISIONING","etaSeconds":30,"detail":"booting"}}
                """.formatted(UUID.randomUUID(), Ids.newExecutionId());
        Event waiting = EventCodec.decode(before.getBytes(StandardCharsets.UTF_8)).orElseThrow().payload();
        assertThat(((ExecutionWaiting) waiting).serverType()).isNull();

        ExecutionSpec pinned = new ExecutionSpec("img", List.of(), Map.of(), 4, 8192, 60, NetworkMode.BRIDGE, 1,
                Map.of(), "cx33");
        ExecutionSubmitted submitted = new ExecutionSubmitted(Ids.newExecutionId(), "p", 1, pinned, "s", Map.of(),
                null, Instant.now());
        assertThat(EventCodec.decode(EventCodec.encode(Envelope.of(submitted))).orElseThrow().payload())
                .isEqualTo(submitted);
        assertThat(SPEC.machine()).isNull();
    }

    @Test
    void aStatusReportWithoutARunStillDecodes() {
        String before = """
                {"eventId":"%s","type":"ExecutionStatusChanged","schemaVersion":1,"occurredAt":"2026-11-26T10:00:00Z",
                 "payload":{"executionId":"%s","attempt":1,"state":"SUCCEEDED","workerId":"rgrid-worker-abc123",
                 "exitCode":0,"reportedBy":"rgrid-worker-abc123","at":"2026-11-26T10:00:00Z","logBytes":5,"logLastSeq":0}}
                """.formatted(UUID.randomUUID(), Ids.newExecutionId());
        ExecutionStatusChanged report = (ExecutionStatusChanged) EventCodec.decode(before.getBytes(StandardCharsets.UTF_8))
                .orElseThrow().payload();
        assertThat(report.run()).isNull();
        assertThat(report.logBytes()).isEqualTo(5);
    }

    /** Heartbeats of older agents: without {@code finished}, and with finished attempts but no outcome. */
    @Test
    void aHeartbeatWithoutFinishedOutcomesStillDecodes() {
        UUID id = Ids.newExecutionId();
        String oldest = """
                {"eventId":"%s","type":"WorkerHeartbeat","schemaVersion":1,"occurredAt":"2026-11-26T10:00:00Z",
                 "payload":{"workerId":"rgrid-worker-abc123","address":"http://127.0.0.1:8002","slots":2,"freeCpus":1.0,
                 "freeMemoryMb":1024,"running":[{"executionId":"%s","attempt":1}],"agentVersion":"0.1.0",
                 "runtime":"docker","draining":false}}
                """.formatted(UUID.randomUUID(), id);
        WorkerHeartbeat beat = (WorkerHeartbeat) EventCodec.decode(oldest.getBytes(StandardCharsets.UTF_8))
                .orElseThrow().payload();
        assertThat(beat.finished()).isEmpty();
        assertThat(beat.running()).containsExactly(new WorkerHeartbeat.RunningAttempt(id, 1));

        String listedOnly = oldest.replace("\"draining\":false",
                "\"draining\":false,\"finished\":[{\"executionId\":\"" + id + "\",\"attempt\":2}]");
        WorkerHeartbeat older = (WorkerHeartbeat) EventCodec.decode(listedOnly.getBytes(StandardCharsets.UTF_8))
                .orElseThrow().payload();
        assertThat(older.finished()).containsExactly(new WorkerHeartbeat.FinishedAttempt(id, 2, null, null));
    }

    @Test
    void garbageIsReportedAsMalformed() {
        assertThatThrownBy(() -> EventCodec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> EventCodec.decode("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> EventCodec.decode("{\"type\":\"ExecutionSubmitted\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> EventCodec.decode(null)).isInstanceOf(MalformedEventException.class);
    }
}
