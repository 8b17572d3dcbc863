package io.rgrid.model.capacity;

import io.rgrid.model.event.MachineType;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which allowed machine types can hold an execution, and why none can. Pure; api-service judges a
 * submission with it and the orchestrator each queued execution, so both say the same thing.
 */
public final class MachineFit {

    /** Cheapest first; at equal price the smaller, then by name, so the choice is stable. */
    public static final Comparator<MachineType> CHEAPEST_FIRST = Comparator.comparingDouble(MachineType::hourlyPriceEur)
            .thenComparingDouble(MachineType::cpus).thenComparingInt(MachineType::memoryMb)
            .thenComparing(MachineType::name);

    private MachineFit() {
    }

    /**
     * The allowed types that can hold {@code cpus} and {@code memoryMb} on an empty worker, cheapest
     * first; only {@code machine} when it is set.
     */
    public static List<MachineType> candidates(List<MachineType> allowed, double cpus, int memoryMb, String machine) {
        return allowed.stream()
                .filter(t -> machine == null || t.name().equals(machine))
                .filter(t -> t.holds(cpus, memoryMb))
                .sorted(CHEAPEST_FIRST)
                .toList();
    }

    /**
     * Why no allowed type can ever hold the request, naming what the grid can run; empty when one can,
     * or when {@code allowed} is empty (the grid has not said what it runs: nothing is refused).
     */
    public static Optional<String> refusal(List<MachineType> allowed, double cpus, int memoryMb, String machine) {
        if (allowed.isEmpty() || !candidates(allowed, cpus, memoryMb, machine).isEmpty()) {
            return Optional.empty();
        }
        String asked = cpus(cpus) + " CPUs and " + memoryMb + " MiB";
        if (machine != null) {
            Optional<MachineType> named = allowed.stream().filter(t -> t.name().equals(machine)).findFirst();
            if (named.isEmpty()) {
                return Optional.of("machine type '" + machine + "' is not allowed on this grid (allowed: "
                        + allowed.stream().map(MachineType::name).sorted().collect(Collectors.joining(", ")) + ")");
            }
            return Optional.of("machine type " + machine + " offers " + describe(named.get()) + ", less than the "
                    + asked + " asked for");
        }
        MachineType mostCpus = allowed.stream().max(Comparator.comparingDouble(MachineType::cpus)).orElseThrow();
        MachineType mostMemory = allowed.stream().max(Comparator.comparingInt(MachineType::memoryMb)).orElseThrow();
        String most = mostCpus.equals(mostMemory)
                ? describe(mostCpus) + " (" + mostCpus.name() + ")"
                : cpus(mostCpus.cpus()) + " CPUs (" + mostCpus.name() + ") and "
                        + mostMemory.memoryMb() + " MiB (" + mostMemory.name() + ")";
        return Optional.of("no allowed machine type holds " + asked + ": the largest the grid can run is " + most);
    }

    private static String cpus(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** "4 CPUs and 8192 MiB": what a worker of {@code type} offers. */
    public static String describe(MachineType type) {
        return cpus(type.cpus()) + " CPUs and " + type.memoryMb() + " MiB";
    }
}
