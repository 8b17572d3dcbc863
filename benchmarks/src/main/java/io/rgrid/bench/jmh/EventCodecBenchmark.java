package io.rgrid.bench.jmh;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.WorkerHeartbeat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link EventCodec} on the events the grid sends most: a submission (api → orchestrator), a
 * status change (every attempt sends several) and a heartbeat with two running attempts.
 */
@State(Scope.Benchmark)
public class EventCodecBenchmark {

    private Envelope<ExecutionSubmitted> submitted;
    private Envelope<ExecutionStatusChanged> statusChanged;
    private Envelope<WorkerHeartbeat> heartbeat;
    private byte[] submittedBytes;
    private byte[] statusChangedBytes;
    private byte[] heartbeatBytes;

    @Setup
    public void setUp() {
        UUID id = UUID.fromString("0b1f6f0e-8d5e-4d27-9a51-3c2f0e1f9a01");
        ExecutionSpec spec = new ExecutionSpec("rgrid/python:3.11-local", List.of("--n", "3"), Map.of("A", "1"),
                1.5, 512, 600, NetworkMode.NONE, 3, Map.of("team", "ds"));
        submitted = Envelope.of(new ExecutionSubmitted(id, "default", 1, spec, "executions/" + id + "/script",
                Map.of("data.csv", "executions/" + id + "/inputs/data.csv"), null,
                Instant.parse("2026-11-26T10:00:00Z")));
        statusChanged = Envelope.of(new ExecutionStatusChanged(id, 1, ExecutionState.SUCCEEDED, "rgrid-worker-abc123",
                0, null, null, "rgrid-worker-abc123", Instant.parse("2026-11-26T10:00:01Z")));
        heartbeat = Envelope.of(new WorkerHeartbeat("rgrid-worker-abc123", "http://10.0.0.5:8002", 2, 1.0, 2048,
                List.of(new WorkerHeartbeat.RunningAttempt(id, 1),
                        new WorkerHeartbeat.RunningAttempt(UUID.fromString("5d3c1a8e-0f7b-4a3e-9c1d-2b6e8f4a7c02"), 2)),
                "0.1.0", "docker", false));
        submittedBytes = EventCodec.encode(submitted);
        statusChangedBytes = EventCodec.encode(statusChanged);
        heartbeatBytes = EventCodec.encode(heartbeat);
    }

    @Benchmark
    public byte[] encodeSubmitted() {
        return EventCodec.encode(submitted);
    }

    @Benchmark
    public Optional<Envelope<Event>> decodeSubmitted() {
        return EventCodec.decode(submittedBytes);
    }

    @Benchmark
    public byte[] encodeStatusChanged() {
        return EventCodec.encode(statusChanged);
    }

    @Benchmark
    public Optional<Envelope<Event>> decodeStatusChanged() {
        return EventCodec.decode(statusChangedBytes);
    }

    @Benchmark
    public Optional<Envelope<Event>> decodeHeartbeat() {
        return EventCodec.decode(heartbeatBytes);
    }
}
