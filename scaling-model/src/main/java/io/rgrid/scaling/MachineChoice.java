package io.rgrid.scaling;

import io.rgrid.model.capacity.MachineFit;
import io.rgrid.model.event.MachineType;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Which machine each queued execution will run on, as a pure function of the queue, the workers
 * that exist or boot, and the allowed machine types. Oldest first, each execution goes to:
 * <ol>
 *   <li>the first existing worker (READY or PROVISIONING) whose size holds it and whose type is the
 *       one it insists on: work is packed onto what is paid for before anything new is bought; it
 *       may wait there for a free slot;</li>
 *   <li>nowhere, when no such worker exists and no allowed type can hold it (or the type it
 *       insists on is not allowed): it is unschedulable, with the reason {@link MachineFit#refusal}
 *       gives;</li>
 *   <li>else a machine already chosen in this decision for an older execution, when it holds it;</li>
 *   <li>else a new machine of the cheapest allowed type that holds it.</li>
 * </ol>
 * Sizes are whole-machine sizes, not what is free now: a busy worker frees up, and how many more
 * workers a long queue deserves is {@link ScalingPolicy}'s threshold rule.
 */
public final class MachineChoice {

    /** A queued execution: what it asks for, and the type it insists on ({@code --machine}) or null. */
    public record Demand(UUID executionId, double cpus, int memoryMb, String machine) {
    }

    /** A worker that exists or boots ({@code workerId}), or one chosen now (null id): its type and size. */
    public record Host(String workerId, String type, double cpus, int memoryMb) {
        boolean holds(Demand demand) {
            return (demand.machine() == null || demand.machine().equals(type))
                    && new MachineType(type, cpus, memoryMb, 0).holds(demand.cpus(), demand.memoryMb());
        }
    }

    /** Where an execution will run: on worker {@code workerId} (null: a machine to create) of {@code type}. */
    public record Fit(UUID executionId, String workerId, String type) {
    }

    /** A machine to create, and the (oldest) execution it is created for. */
    public record NewMachine(MachineType type, UUID forExecution) {
    }

    /** An execution no allowed type can hold, and why (naming what the grid can run). */
    public record Refusal(UUID executionId, String reason) {
    }

    /** The decision: where each schedulable execution goes, what to create, what can never run. */
    public record Outcome(List<Fit> fits, List<NewMachine> provision, List<Refusal> unschedulable) {

        public static final Outcome NONE = new Outcome(List.of(), List.of(), List.of());

        public Outcome {
            fits = List.copyOf(fits);
            provision = List.copyOf(provision);
            unschedulable = List.copyOf(unschedulable);
        }

        /** Where {@code executionId} goes, or null when it is unschedulable or was not in the queue. */
        public Fit fitOf(UUID executionId) {
            return fits.stream().filter(f -> f.executionId().equals(executionId)).findFirst().orElse(null);
        }
    }

    private MachineChoice() {
    }

    /**
     * @param queued  queued executions, oldest first
     * @param hosts   workers READY or PROVISIONING, with their type and size
     * @param allowed the allowed machine types; empty when unknown (then nothing is decided: {@link Outcome#NONE})
     */
    public static Outcome choose(List<Demand> queued, List<Host> hosts, List<MachineType> allowed) {
        if (allowed.isEmpty()) {
            return Outcome.NONE;
        }
        List<Host> candidates = new ArrayList<>(hosts);
        List<Fit> fits = new ArrayList<>();
        List<NewMachine> provision = new ArrayList<>();
        List<Refusal> unschedulable = new ArrayList<>();
        for (Demand demand : queued) {
            Host host = candidates.stream().filter(h -> h.holds(demand)).findFirst().orElse(null);
            if (host == null) {
                List<MachineType> types = MachineFit.candidates(allowed, demand.cpus(), demand.memoryMb(),
                        demand.machine());
                if (types.isEmpty()) {
                    unschedulable.add(new Refusal(demand.executionId(), MachineFit.refusal(allowed, demand.cpus(),
                            demand.memoryMb(), demand.machine()).orElseThrow()));
                    continue;
                }
                MachineType cheapest = types.getFirst();
                host = new Host(null, cheapest.name(), cheapest.cpus(), cheapest.memoryMb());
                candidates.add(host);
                provision.add(new NewMachine(cheapest, demand.executionId()));
            }
            fits.add(new Fit(demand.executionId(), host.workerId(), host.type()));
        }
        return new Outcome(fits, provision, unschedulable);
    }
}
