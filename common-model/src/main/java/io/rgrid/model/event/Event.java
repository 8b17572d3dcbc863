package io.rgrid.model.event;

/**
 * An event payload: a past-tense fact. Every payload travels inside an {@link Envelope};
 * {@link EventType} names it and fixes its schema version. Consumers ignore unknown fields,
 * so fields may be added within a schema version; removing or changing one needs a new version.
 */
public sealed interface Event permits ExecutionSubmitted, ExecutionCancelRequested, ExecutionStatusChanged,
        ExecutionLogChunk, WorkerHeartbeat, WorkerLifecycleChanged, ExecutionWaiting, CostSnapshot,
        GridCapacityChanged {

    /** The Kafka record key: execution id, worker id, or {@link io.rgrid.model.Topics#CLUSTER_KEY}. */
    String key();
}
