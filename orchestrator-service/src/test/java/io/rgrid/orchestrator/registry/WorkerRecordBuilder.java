package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.WorkerState;

import java.time.Instant;

/**
 * A {@link WorkerRecord} for tests, by name instead of 19 positional arguments: a READY static
 * worker {@code rgrid-worker-test01} with one slot, 1 CPU and 512 MB until a setter says otherwise.
 */
public final class WorkerRecordBuilder {

    private String id = "rgrid-worker-test01";
    private String provider = "static";
    private String providerHandle;
    private String serverType;
    private double hourlyPriceEur;
    private String address;
    private String token;
    private WorkerState state = WorkerState.READY;
    private String stateDetail;
    private int slots = 1;
    private double cpus = 1;
    private int memoryMb = 512;
    private String runtime;
    private String agentVersion;
    private Instant createdAt;
    private Instant lastHeartbeatAt;
    private Instant deletedAt;

    public static WorkerRecordBuilder worker(String id) {
        WorkerRecordBuilder builder = new WorkerRecordBuilder();
        builder.id = id;
        return builder;
    }

    public WorkerRecordBuilder provider(String provider, String handle) {
        this.provider = provider;
        this.providerHandle = handle;
        return this;
    }

    public WorkerRecordBuilder serverType(String type, double hourlyPriceEur) {
        this.serverType = type;
        this.hourlyPriceEur = hourlyPriceEur;
        return this;
    }

    /** Where its agent listens and the token it holds. */
    public WorkerRecordBuilder agent(String address, String token) {
        this.address = address;
        this.token = token;
        return this;
    }

    public WorkerRecordBuilder state(WorkerState state) {
        this.state = state;
        return this;
    }

    /** Its size; all of it free (a test that needs it busy says so in what it holds). */
    public WorkerRecordBuilder size(int slots, double cpus, int memoryMb) {
        this.slots = slots;
        this.cpus = cpus;
        this.memoryMb = memoryMb;
        return this;
    }

    public WorkerRecordBuilder created(Instant createdAt) {
        this.createdAt = createdAt;
        return this;
    }

    public WorkerRecord build() {
        return new WorkerRecord(id, provider, providerHandle, serverType, hourlyPriceEur, address, token, state,
                stateDetail, slots, cpus, memoryMb, cpus, memoryMb, runtime, agentVersion, createdAt, lastHeartbeatAt,
                deletedAt);
    }
}
