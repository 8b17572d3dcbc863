package io.rgrid.model.event;

import io.rgrid.model.Topics;

/** Every event type, with the topic it travels on and its current schema version. */
public enum EventType {
    ExecutionSubmitted(ExecutionSubmitted.class, Topics.EXECUTIONS, 1),
    ExecutionCancelRequested(ExecutionCancelRequested.class, Topics.EXECUTIONS, 1),
    ExecutionStatusChanged(ExecutionStatusChanged.class, Topics.EXECUTION_STATUS, 1),
    ExecutionLogChunk(ExecutionLogChunk.class, Topics.EXECUTION_LOGS, 1),
    WorkerHeartbeat(WorkerHeartbeat.class, Topics.WORKER_HEARTBEATS, 1),
    WorkerLifecycleChanged(WorkerLifecycleChanged.class, Topics.CLUSTER, 1),
    ExecutionWaiting(ExecutionWaiting.class, Topics.CLUSTER, 1),
    CostSnapshot(CostSnapshot.class, Topics.CLUSTER, 1),
    GridCapacityChanged(GridCapacityChanged.class, Topics.CLUSTER, 1);

    private final Class<? extends Event> payloadClass;
    private final String topic;
    private final int schemaVersion;

    EventType(Class<? extends Event> payloadClass, String topic, int schemaVersion) {
        this.payloadClass = payloadClass;
        this.topic = topic;
        this.schemaVersion = schemaVersion;
    }

    public Class<? extends Event> payloadClass() {
        return payloadClass;
    }

    /** The canonical topic name (without any deployment prefix). */
    public String topic() {
        return topic;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    public static EventType of(Event event) {
        for (EventType type : values()) {
            if (type.payloadClass == event.getClass()) {
                return type;
            }
        }
        throw new IllegalArgumentException("no event type for " + event.getClass());
    }

    /** @return the type, or null when {@code name} is unknown (a newer producer) */
    public static EventType byName(String name) {
        for (EventType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
