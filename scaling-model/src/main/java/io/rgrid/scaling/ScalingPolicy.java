package io.rgrid.scaling;

import io.rgrid.model.capacity.MachineFit;
import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The scaling rules, as a pure function of a {@link ClusterSnapshot}. When the allowed machine
 * types are known ({@link ClusterSnapshot#typed()}):
 * <ol>
 *   <li>{@link MachineChoice} places each queued execution, oldest first, on an existing worker
 *       whose size holds it, else on a new machine of the cheapest allowed type that holds it;
 *       each new machine is provisioned now. What no allowed type can hold is unschedulable
 *       ({@link ScalingPlan#choice()}): the autoscaler fails it.</li>
 *   <li>Queued ≥ queue threshold (seed: 5) and nothing new chosen: one more worker per tick, of the
 *       type the oldest queued execution waits for.</li>
 *   <li>Fewer than min workers: provision up to min, of the cheapest allowed type.</li>
 *   <li>Terminate (drain, then delete) a READY worker only when it is idle (holds no execution),
 *       no queued execution fits it (its size, or the type one insists on), it is inside the last
 *       {@code terminateWindow} of its current billing period (counted from its creation: the
 *       started hour is paid in full anyway, so deleting earlier saves nothing and loses a warm
 *       worker) but not in its last {@link ClusterSnapshot#deleteLead()} (a deletion landing after
 *       the boundary pays the next hour anyway: the worker is kept through it), and at least min
 *       workers stay. A queue of executions that need another type
 *       therefore never keeps an idle worker past its billing window.</li>
 * </ol>
 * Without machine types (a provider that cannot tell) the first two rules count queued
 * executions only: queued and no worker READY or PROVISIONING → one now, queued ≥ threshold → one
 * more per tick; and no READY worker is terminated while anything is queued or in a tick that
 * provisions. In both modes an idle DRAINING worker takes no work and only costs: it is terminated
 * at once, whatever the window (this also finishes a termination a crash interrupted after the
 * drain). Never beyond max workers (booting ones included); never a busy worker.
 * <p>
 * Executions placed with Ray and not yet run by an agent ({@link ClusterSnapshot#placing()}) are
 * demand like queued ones: their Ray tasks wait for a node offering {@code rgrid_worker}, which only
 * a worker brings. With types known they are placed (before the queue: they were dispatched first)
 * by {@link MachineChoice} and keep every worker that holds one; without types, one of them and
 * no worker READY or booting provisions one, and no READY worker is terminated while any waits.
 * They do not count toward the queue threshold: the Ray dispatcher placed them because the READY
 * workers' capacity holds them.
 */
public final class ScalingPolicy {

    private ScalingPolicy() {
    }

    /** What to create: a count, the type of each (typed mode only), and why. */
    private record Provisioning(int count, List<MachineChoice.NewMachine> machines, List<String> why) {
    }

    public static ScalingPlan decide(ClusterSnapshot snapshot) {
        MachineChoice.Outcome choice = MachineChoice.choose(allDemands(snapshot), snapshot.hosts(),
                snapshot.machineTypes());
        Provisioning provisioning = snapshot.typed() ? typed(snapshot, choice) : untyped(snapshot);
        int provision = provisioning.count();

        List<String> terminate = new ArrayList<>();
        List<String> why = new ArrayList<>(provisioning.why());
        for (ClusterSnapshot.Worker worker : snapshot.workers()) {
            if (worker.state() == WorkerState.DRAINING && worker.idle()) {
                terminate.add(worker.id());
                why.add("terminate " + worker.id() + ": draining and idle");
            }
        }
        if (snapshot.typed() || (provision == 0 && !snapshot.waiting())) {
            Set<String> wanted = wantedByTheQueue(snapshot);
            // Workers that keep running count toward min: booting ones and READY ones not chosen.
            long keptUp = snapshot.count(WorkerState.READY) + snapshot.count(WorkerState.PROVISIONING);
            List<ClusterSnapshot.Worker> candidates = snapshot.workers().stream()
                    .filter(w -> w.state() == WorkerState.READY && w.idle() && snapshot.inTerminateWindow(w)
                            && !wanted.contains(w.id()))
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
        if (provision == 0 && terminate.isEmpty() && choice.unschedulable().isEmpty()) {
            return choice.fits().isEmpty() ? ScalingPlan.NOTHING
                    : new ScalingPlan(0, List.of(), ScalingPlan.NOTHING.reason(), List.of(), choice);
        }
        return new ScalingPlan(provision, terminate, why.isEmpty() ? "unschedulable work" : String.join("; ", why),
                provisioning.machines(), choice);
    }

    private static Provisioning untyped(ClusterSnapshot snapshot) {
        long upOrComing = snapshot.count(WorkerState.READY) + snapshot.count(WorkerState.PROVISIONING);
        int provision = 0;
        String reason = null;
        if (snapshot.waiting() && upOrComing == 0) {
            provision = 1;
            reason = snapshot.queued() + " queued" + (snapshot.placing().isEmpty() ? ""
                    : ", " + snapshot.placing().size() + " placed with Ray") + " and no worker ready or booting";
        } else if (snapshot.queued() >= snapshot.queueThreshold()) {
            provision = 1;
            reason = snapshot.queued() + " queued (threshold " + snapshot.queueThreshold() + ")";
        }
        if (snapshot.existing() + provision < snapshot.minWorkers()) {
            provision = (int) (snapshot.minWorkers() - snapshot.existing());
            reason = "below min workers (" + snapshot.minWorkers() + ")";
        }
        provision = (int) Math.min(provision, room(snapshot));
        return new Provisioning(provision, List.of(), provision > 0 ? List.of(reason) : List.of());
    }

    private static Provisioning typed(ClusterSnapshot snapshot, MachineChoice.Outcome choice) {
        List<MachineChoice.NewMachine> machines = new ArrayList<>(choice.provision());
        List<String> why = new ArrayList<>();
        for (MachineChoice.NewMachine machine : machines) {
            why.add(machine.type().name() + " for " + machine.forExecution() + ": no worker holds it");
        }
        Set<UUID> placing = snapshot.placing().stream().map(MachineChoice.Demand::executionId)
                .collect(Collectors.toSet());
        MachineChoice.Fit oldest = choice.fits().stream().filter(f -> !placing.contains(f.executionId()))
                .findFirst().orElse(null);
        if (machines.isEmpty() && snapshot.queued() >= snapshot.queueThreshold() && oldest != null) {
            snapshot.machineTypes().stream().filter(t -> t.name().equals(oldest.type())).findFirst().ifPresent(t -> {
                machines.add(new MachineChoice.NewMachine(t, oldest.executionId()));
                why.add(t.name() + ": " + snapshot.queued() + " queued (threshold " + snapshot.queueThreshold() + ")");
            });
        }
        MachineType cheapest = snapshot.machineTypes().stream().min(MachineFit.CHEAPEST_FIRST).orElseThrow();
        while (snapshot.existing() + machines.size() < snapshot.minWorkers()) {
            machines.add(new MachineChoice.NewMachine(cheapest, null));
            why.add(cheapest.name() + ": below min workers (" + snapshot.minWorkers() + ")");
        }
        int count = (int) Math.min(machines.size(), room(snapshot));
        return new Provisioning(count, List.copyOf(machines.subList(0, count)),
                count > 0 ? List.of("provision " + String.join(", ", why.subList(0, count))) : List.of());
    }

    /** What waits for a worker: the executions placed with Ray first (dispatched first), then the queue. */
    private static List<MachineChoice.Demand> allDemands(ClusterSnapshot snapshot) {
        if (snapshot.placing().isEmpty()) {
            return snapshot.demands();
        }
        List<MachineChoice.Demand> all = new ArrayList<>(snapshot.placing());
        all.addAll(snapshot.demands());
        return all;
    }

    /**
     * Workers a waiting execution may still go to: every READY one that some queued or Ray-placed
     * execution fits (typed mode), or all of them when the queue is longer than the snapshot's
     * demands (some queued executions are unknown, so any worker may be wanted).
     */
    private static Set<String> wantedByTheQueue(ClusterSnapshot snapshot) {
        if (snapshot.queued() > snapshot.demands().size()) {
            return snapshot.workers().stream().map(ClusterSnapshot.Worker::id).collect(Collectors.toSet());
        }
        List<MachineChoice.Demand> waiting = allDemands(snapshot);
        return snapshot.hosts().stream()
                .filter(h -> waiting.stream().anyMatch(h::holds))
                .map(MachineChoice.Host::workerId)
                .collect(Collectors.toSet());
    }

    private static long room(ClusterSnapshot snapshot) {
        return Math.max(0, snapshot.maxWorkers() - snapshot.existing());
    }
}
