package io.rgrid.costsim;

import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;
import io.rgrid.scaling.ClusterSnapshot;
import io.rgrid.scaling.MachineChoice;
import io.rgrid.scaling.ScalingPlan;
import io.rgrid.scaling.ScalingPolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A scaling policy the simulator can replay: asked once per autoscaler tick, answers how many
 * workers to create and which to delete. The simulator deletes only idle READY workers, whatever a
 * policy asks.
 *
 * <p>RGrid's policy is the orchestrator's real {@link ScalingPolicy}. The three alternatives scale
 * <em>up</em> exactly as RGrid does (they take the provisioning part of the same decision) and
 * differ only in when they delete, so the comparison isolates the billing-aware scale-down rule;
 * "always max" is the exception, by definition.
 */
public interface Policy {

    String name();

    ScalingPlan decide(ClusterView view);

    /** The machine types it provisions from; empty: every worker is the settings' one type. */
    default List<MachineType> machineTypes() {
        return List.of();
    }

    /** The orchestrator's {@link ScalingPolicy}, fed a {@link ClusterSnapshot} of the simulated grid. */
    static Policy rgrid() {
        return new Policy() {
            @Override
            public String name() {
                return "rgrid (billing-aware)";
            }

            @Override
            public ScalingPlan decide(ClusterView view) {
                return ScalingPolicy.decide(snapshot(view));
            }
        };
    }

    /**
     * The orchestrator's {@link ScalingPolicy} with machine types: per queued execution the
     * cheapest of {@code types} that holds it, workers packed first (the trace has no memory, so
     * only CPUs decide).
     */
    static Policy rgrid(String name, List<MachineType> types) {
        return new Policy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ScalingPlan decide(ClusterView view) {
                return ScalingPolicy.decide(snapshot(view, types));
            }

            @Override
            public List<MachineType> machineTypes() {
                return types;
            }
        };
    }

    /** Deletes a worker at the first tick it is idle with nothing queued (min workers kept). */
    static Policy deleteWhenIdle() {
        return idleTimeout("delete when idle", Duration.ZERO);
    }

    /** Deletes a worker idle for at least {@code timeout} (Ray's autoscaler: {@code idle_timeout_minutes}, 1 min). */
    static Policy idleTimeout(Duration timeout) {
        return idleTimeout("idle timeout " + timeout.toSeconds() + " s", timeout);
    }

    private static Policy idleTimeout(String name, Duration timeout) {
        return new Policy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ScalingPlan decide(ClusterView view) {
                int provision = ScalingPolicy.decide(snapshot(view)).provision();
                List<String> terminate = new ArrayList<>();
                if (provision == 0 && view.queued() == 0) {
                    long up = view.workers().stream()
                            .filter(w -> w.state() == WorkerState.READY || w.state() == WorkerState.PROVISIONING)
                            .count();
                    for (ClusterView.Worker worker : view.workers()) {
                        if (up <= view.settings().minWorkers()) {
                            break;
                        }
                        if (worker.state() == WorkerState.READY && worker.idle()
                                && !worker.idleSince().plus(timeout).isAfter(view.now())) {
                            terminate.add(worker.id());
                            up--;
                        }
                    }
                }
                return provision == 0 && terminate.isEmpty() ? ScalingPlan.NOTHING
                        : new ScalingPlan(provision, terminate, name);
            }
        };
    }

    /** Max workers from the first tick while the trace has work; deletes them all once it has none. */
    static Policy alwaysMax() {
        return new Policy() {
            @Override
            public String name() {
                return "always max workers";
            }

            @Override
            public ScalingPlan decide(ClusterView view) {
                if (view.workRemaining()) {
                    int missing = view.settings().maxWorkers() - view.workers().size();
                    return missing > 0 ? new ScalingPlan(missing, List.of(), "fill up to max") : ScalingPlan.NOTHING;
                }
                List<String> all = view.workers().stream().map(ClusterView.Worker::id).toList();
                return all.isEmpty() ? ScalingPlan.NOTHING : new ScalingPlan(0, all, "the trace is over");
            }
        };
    }

    /** The simulated grid as the orchestrator's autoscaler would load it from its database. */
    static ClusterSnapshot snapshot(ClusterView view) {
        return snapshot(view, List.of());
    }

    /** The same, with the machine types the autoscaler would know ({@code types} empty: none). */
    static ClusterSnapshot snapshot(ClusterView view, List<MachineType> types) {
        Settings s = view.settings();
        List<ClusterSnapshot.Worker> workers = view.workers().stream()
                .map(w -> new ClusterSnapshot.Worker(w.id(), w.state(), w.createdAt(), w.held(), w.type().name(),
                        w.type().cpus(), w.type().memoryMb()))
                .toList();
        List<MachineChoice.Demand> demands = view.queuedJobs().stream()
                .map(j -> new MachineChoice.Demand(new UUID(0, j.index()), j.cpus(), 0, null))
                .toList();
        return new ClusterSnapshot(view.queued(), workers, s.queueThreshold(), s.maxWorkers(), s.minWorkers(),
                s.billingPeriod(), s.terminateWindow(), view.now(), demands, types);
    }
}
