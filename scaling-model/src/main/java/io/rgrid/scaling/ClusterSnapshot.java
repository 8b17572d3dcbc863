package io.rgrid.scaling;

import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the autoscaler decides on: the queue, the workers and the limits. Built from the
 * database by {@link Autoscaler}; {@link ScalingPolicy} reads nothing else.
 *
 * @param queued          executions in QUEUED
 * @param workers         every worker not DELETED
 * @param queueThreshold  queued count at which one more worker is added per tick
 * @param maxWorkers      most workers at once, booting ones included
 * @param minWorkers      workers kept with nothing queued
 * @param billingPeriod   the provider's billing unit, counted from each worker's creation
 * @param terminateWindow an idle worker is deleted only inside the last this-much of its current period
 * @param now             the decision's clock
 * @param demands         the oldest queued executions with their sizes (at most a dispatch round's worth per
 *                        project), oldest first
 * @param machineTypes    the allowed machine types; empty when the provider cannot tell, and then the
 *                        policy counts queued executions only and provisions the provider's default type
 * @param placing         executions placed with Ray (ASSIGNED to the Ray placement) that no agent runs yet,
 *                        with their sizes: their Ray tasks wait for a node, so they are demand like queued ones
 *                        (docs/ray.md, "Autoscaling")
 */
public record ClusterSnapshot(int queued, List<Worker> workers, int queueThreshold, int maxWorkers, int minWorkers,
                              Duration billingPeriod, Duration terminateWindow, Instant now,
                              List<MachineChoice.Demand> demands, List<MachineType> machineTypes,
                              List<MachineChoice.Demand> placing) {

    /**
     * One worker: its state, when its billing started, how many executions it holds (ASSIGNED or
     * RUNNING), its machine type and the CPUs and memory it offers (0 when unknown).
     */
    public record Worker(String id, WorkerState state, Instant createdAt, int heldExecutions, String serverType,
                         double cpus, int memoryMb) {

        /** A worker of no known type or size. */
        public Worker(String id, WorkerState state, Instant createdAt, int heldExecutions) {
            this(id, state, createdAt, heldExecutions, null, 0, 0);
        }

        public boolean idle() {
            return heldExecutions == 0;
        }
    }

    public ClusterSnapshot {
        workers = List.copyOf(workers);
        demands = List.copyOf(demands);
        machineTypes = List.copyOf(machineTypes);
        placing = List.copyOf(placing);
        if (billingPeriod.isZero() || billingPeriod.isNegative()) {
            throw new IllegalArgumentException("billing period must be positive");
        }
    }

    /** A snapshot with nothing placed with Ray (agent dispatch, or Ray placing nothing now). */
    public ClusterSnapshot(int queued, List<Worker> workers, int queueThreshold, int maxWorkers, int minWorkers,
                           Duration billingPeriod, Duration terminateWindow, Instant now,
                           List<MachineChoice.Demand> demands, List<MachineType> machineTypes) {
        this(queued, workers, queueThreshold, maxWorkers, minWorkers, billingPeriod, terminateWindow, now, demands,
                machineTypes, List.of());
    }

    /** A snapshot without machine types: the policy counts queued executions only. */
    public ClusterSnapshot(int queued, List<Worker> workers, int queueThreshold, int maxWorkers, int minWorkers,
                           Duration billingPeriod, Duration terminateWindow, Instant now) {
        this(queued, workers, queueThreshold, maxWorkers, minWorkers, billingPeriod, terminateWindow, now, List.of(),
                List.of());
    }

    /** A snapshot with the production billing (1 h period, last 5 min window); for tests of the other rules. */
    public ClusterSnapshot(int queued, List<Worker> workers, int queueThreshold, int maxWorkers, int minWorkers,
                           Instant now) {
        this(queued, workers, queueThreshold, maxWorkers, minWorkers, Duration.ofHours(1), Duration.ofMinutes(5), now);
    }

    /** True when work waits for a worker: queued, or placed with Ray and not yet run by an agent. */
    public boolean waiting() {
        return queued > 0 || !placing.isEmpty();
    }

    /** True when the allowed machine types are known: the policy then chooses a type per execution. */
    public boolean typed() {
        return !machineTypes.isEmpty();
    }

    /** Workers READY or PROVISIONING as hosts the machine choice packs work onto, oldest first. */
    public List<MachineChoice.Host> hosts() {
        return workers.stream()
                .filter(w -> w.state() == WorkerState.READY || w.state() == WorkerState.PROVISIONING)
                .map(w -> new MachineChoice.Host(w.id(), w.serverType(), w.cpus(), w.memoryMb()))
                .toList();
    }

    public long count(WorkerState state) {
        return workers.stream().filter(w -> w.state() == state).count();
    }

    /** Workers that exist or are coming and cost money: PROVISIONING, READY, DRAINING. */
    public long existing() {
        return count(WorkerState.PROVISIONING) + count(WorkerState.READY) + count(WorkerState.DRAINING);
    }

    /**
     * How far {@code worker} is into its current billing period. A worker created at 10:00 with a
     * 1 h period is 50 min in at 10:50 and at 11:50, 0 at 11:00.
     */
    public Duration intoBillingPeriod(Worker worker) {
        Duration age = Duration.between(worker.createdAt(), now);
        if (age.isNegative()) {
            return Duration.ZERO; // clock skew: a worker "from the future" has just started its period
        }
        long periodNanos = billingPeriod.toNanos();
        return Duration.ofNanos(age.toNanos() % periodNanos);
    }

    /**
     * The end of the terminate window that is too late to start a deletion: the drain, the
     * provider's list and its delete take a few seconds, and a deletion that lands after the
     * boundary pays the next period anyway, so the worker is better kept through it (warm, at no
     * extra cost) and deleted in that period's window. 10 s, or a quarter of a window shorter
     * than 40 s (tests shorten the window to seconds).
     */
    public Duration deleteLead() {
        Duration quarter = terminateWindow.dividedBy(4);
        return quarter.compareTo(MAX_DELETE_LEAD) < 0 ? quarter : MAX_DELETE_LEAD;
    }

    private static final Duration MAX_DELETE_LEAD = Duration.ofSeconds(10);

    /**
     * True inside the last {@code terminateWindow} of the worker's current billing period (start
     * inclusive) but before its last {@link #deleteLead()}.
     */
    public boolean inTerminateWindow(Worker worker) {
        Duration left = billingPeriod.minus(intoBillingPeriod(worker));
        return left.compareTo(terminateWindow) <= 0 && left.compareTo(deleteLead()) > 0;
    }
}
