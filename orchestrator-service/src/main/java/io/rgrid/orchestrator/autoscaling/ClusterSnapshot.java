package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.event.WorkerState;

import java.time.Instant;
import java.util.List;

/**
 * What the autoscaler decides on: the queue, the workers and the limits. Built from the
 * database by {@link Autoscaler}; {@link ScalingPolicy} reads nothing else.
 *
 * @param queued         executions in QUEUED
 * @param workers        every worker not DELETED
 * @param queueThreshold queued count at which one more worker is added per tick
 * @param maxWorkers     most workers at once, booting ones included
 * @param minWorkers     workers kept with nothing queued
 * @param now            the decision's clock (for rules about billing hours)
 */
public record ClusterSnapshot(int queued, List<Worker> workers, int queueThreshold, int maxWorkers, int minWorkers,
                              Instant now) {

    /**
     * One worker. {@code heldExecutions} and {@code createdAt} are there for the idle-termination
     * rule (delete an idle worker only as its paid hour ends), which comes later.
     */
    public record Worker(String id, WorkerState state, Instant createdAt, int heldExecutions) {
    }

    public ClusterSnapshot {
        workers = List.copyOf(workers);
    }

    public long count(WorkerState state) {
        return workers.stream().filter(w -> w.state() == state).count();
    }

    /** Workers that exist or are coming and cost money: PROVISIONING, READY, DRAINING. */
    public long existing() {
        return count(WorkerState.PROVISIONING) + count(WorkerState.READY) + count(WorkerState.DRAINING);
    }
}
