package io.rgrid.model;

import java.util.List;

/**
 * Kafka topics. Keys are the execution id unless said otherwise.
 *
 * <p>A deployment may set a topic prefix (config {@code rgrid.kafka.topic-prefix}) so that
 * several grids, or several test suites, share one broker; {@link #named} applies it.
 */
public final class Topics {

    /** api → orchestrator: ExecutionSubmitted, ExecutionCancelRequested. */
    public static final String EXECUTIONS = "rgrid.executions.v1";
    /** orchestrator and workers → api: ExecutionStatusChanged. */
    public static final String EXECUTION_STATUS = "rgrid.execution-status.v1";
    /** workers → api: ExecutionLogChunk. */
    public static final String EXECUTION_LOGS = "rgrid.execution-logs.v1";
    /** workers → orchestrator, key = worker id: WorkerHeartbeat. */
    public static final String WORKER_HEARTBEATS = "rgrid.worker-heartbeats.v1";
    /** orchestrator → api, key = worker id or {@link #CLUSTER_KEY}: lifecycle, wait reasons, cost. */
    public static final String CLUSTER = "rgrid.cluster.v1";

    /**
     * Every consumer → operators, key = the dead record's key: records no consumer could apply (after
     * its retries) or decode, with the error and their source in headers (service-platform's DeadLetters).
     */
    public static final String DEAD_LETTERS = "rgrid.dead-letters.v1";

    /** Key of cluster-wide records on {@link #CLUSTER}. */
    public static final String CLUSTER_KEY = "cluster";

    public static final List<String> ALL = List.of(EXECUTIONS, EXECUTION_STATUS, EXECUTION_LOGS, WORKER_HEARTBEATS, CLUSTER,
            DEAD_LETTERS);

    /** Partitions each topic is created with; ordering only matters per key. */
    public static final int PARTITIONS = 6;

    private Topics() {
    }

    /** The topic's name in a deployment with the given prefix (empty for none). */
    public static String named(String prefix, String topic) {
        return prefix == null || prefix.isEmpty() ? topic : prefix + topic;
    }
}
