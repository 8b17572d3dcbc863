package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.event.WorkerState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The scaling rules, as a pure function of a {@link ClusterSnapshot}:
 * <ol>
 *   <li>Executions queued and no worker READY or PROVISIONING: provision one at once, so a
 *       single {@code rgrid run} never waits for the queue to reach the threshold.</li>
 *   <li>Queued ≥ queue threshold (seed: 5) and fewer than max workers (seed: 10, booting ones
 *       included): provision one more per tick.</li>
 *   <li>Fewer than min workers: provision up to min.</li>
 *   <li>Terminate (drain, then delete) a READY worker only when it is idle (holds no execution),
 *       nothing is queued, it is inside the last {@code terminateWindow} of its current billing
 *       period (counted from its creation: the started hour is paid in full anyway, so deleting
 *       earlier saves nothing and loses a warm worker), and at least min workers stay.</li>
 *   <li>An idle DRAINING worker takes no work and only costs: terminate it at once, whatever the
 *       window (this also finishes a termination a crash interrupted after the drain).</li>
 * </ol>
 * Never beyond max workers; never a busy worker; no READY worker is terminated in a tick that provisions.
 * Nothing is terminated while executions are queued: a queued execution that fits no worker
 * would otherwise make the cluster delete and re-create workers each billing period.
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

        List<String> terminate = new ArrayList<>();
        List<String> why = new ArrayList<>();
        if (provision > 0) {
            why.add(reason);
        }
        for (ClusterSnapshot.Worker worker : snapshot.workers()) {
            if (worker.state() == WorkerState.DRAINING && worker.idle()) {
                terminate.add(worker.id());
                why.add("terminate " + worker.id() + ": draining and idle");
            }
        }
        if (provision == 0 && snapshot.queued() == 0) {
            // Workers that keep running count toward min: booting ones and READY ones not chosen.
            long keptUp = upOrComing;
            List<ClusterSnapshot.Worker> candidates = snapshot.workers().stream()
                    .filter(w -> w.state() == WorkerState.READY && w.idle() && snapshot.inTerminateWindow(w))
                    // Closest to its next billing period first: it is the one about to cost another period.
                    .sorted(Comparator.comparing(snapshot::intoBillingPeriod).reversed()
                            .thenComparing(ClusterSnapshot.Worker::id))
                    .toList();
            for (ClusterSnapshot.Worker worker : candidates) {
                if (keptUp - 1 < snapshot.minWorkers()) {
                    break;
                }
                keptUp--;
                terminate.add(worker.id());
                why.add("terminate " + worker.id() + ": idle, "
                        + snapshot.billingPeriod().minus(snapshot.intoBillingPeriod(worker)).toSeconds()
                        + " s left in its billing period");
            }
        }
        if (provision == 0 && terminate.isEmpty()) {
            return ScalingPlan.NOTHING;
        }
        return new ScalingPlan(provision, terminate, String.join("; ", why));
    }
}
