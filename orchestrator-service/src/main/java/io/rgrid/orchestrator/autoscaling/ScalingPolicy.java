package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.event.WorkerState;

import java.util.List;

/**
 * The scaling rules, as a pure function of a {@link ClusterSnapshot}:
 * <ol>
 *   <li>Executions queued and no worker READY or PROVISIONING: provision one at once, so a
 *       single {@code rgrid run} never waits for the queue to reach the threshold.</li>
 *   <li>Queued ≥ queue threshold (seed: 5) and fewer than max workers (seed: 10, booting ones
 *       included): provision one more per tick.</li>
 *   <li>Fewer than min workers: provision up to min.</li>
 * </ol>
 * Never beyond max workers. Termination of idle workers (only as their paid hour ends) is a
 * later rule: it will fill {@link ScalingPlan#terminate()} from the snapshot's workers.
 */
public final class ScalingPolicy {

    private ScalingPolicy() {
    }

    public static ScalingPlan decide(ClusterSnapshot snapshot) {
        long existing = snapshot.existing();
        long room = Math.max(0, snapshot.maxWorkers() - existing);
        long upOrComing = snapshot.count(WorkerState.READY) + snapshot.count(WorkerState.PROVISIONING);

        int provision = 0;
        String reason = null;
        if (snapshot.queued() > 0 && upOrComing == 0) {
            provision = 1;
            reason = snapshot.queued() + " queued and no worker ready or booting";
        } else if (snapshot.queued() >= snapshot.queueThreshold()) {
            provision = 1;
            reason = snapshot.queued() + " queued (threshold " + snapshot.queueThreshold() + ")";
        }
        if (existing + provision < snapshot.minWorkers()) {
            provision = (int) (snapshot.minWorkers() - existing);
            reason = "below min workers (" + snapshot.minWorkers() + ")";
        }
        provision = (int) Math.min(provision, room);
        if (provision == 0) {
            return ScalingPlan.NOTHING;
        }
        return new ScalingPlan(provision, List.of(), reason);
    }
}
