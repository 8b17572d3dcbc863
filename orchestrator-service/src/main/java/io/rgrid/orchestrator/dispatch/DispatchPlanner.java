package io.rgrid.orchestrator.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Decides which queued executions go to which workers in one dispatch round. Pure: no I/O, so
 * the rules are tested with tables.
 *
 * <ul>
 *   <li>Oldest first within a project; projects take turns (round-robin, in the order of their
 *       oldest queued execution), so one project's flood does not starve another.</li>
 *   <li>A worker takes an execution when it has a free slot and enough free CPUs and memory, and
 *       is of the machine type the execution insists on ({@code --machine}), if any. An execution
 *       that fits nowhere does not block smaller ones behind it.</li>
 *   <li>Among workers that fit, the one with the most free slots wins (spreads load, keeps
 *       whole workers free to become idle), then the most free CPUs, then the lowest id.</li>
 * </ul>
 */
public final class DispatchPlanner {

    /**
     * Queued executions one round plans at most, in either dispatch mode (agent and Ray); the rest
     * wait for the next round.
     */
    public static final int ROUND_LIMIT = 500;

    /** A queued execution's demand, and the machine type it insists on (null: any). */
    public record Candidate(UUID executionId, String projectId, double cpus, int memoryMb, String machine) {

        public Candidate(UUID executionId, String projectId, double cpus, int memoryMb) {
            this(executionId, projectId, cpus, memoryMb, null);
        }
    }

    /** What a worker can still take, and its machine type (null when unknown). */
    public record Capacity(String workerId, int freeSlots, double freeCpus, int freeMemoryMb, String serverType) {

        public Capacity(String workerId, int freeSlots, double freeCpus, int freeMemoryMb) {
            this(workerId, freeSlots, freeCpus, freeMemoryMb, null);
        }

        Capacity minus(Candidate taken) {
            return new Capacity(workerId, freeSlots - 1, freeCpus - taken.cpus(), freeMemoryMb - taken.memoryMb(),
                    serverType);
        }

        boolean fits(Candidate candidate) {
            // A small tolerance: fractional CPUs summed in floating point must not refuse an exact fit.
            return freeSlots > 0 && freeCpus + 1e-9 >= candidate.cpus() && freeMemoryMb >= candidate.memoryMb()
                    && (candidate.machine() == null || candidate.machine().equals(serverType));
        }
    }

    /** One decision: this execution goes to that worker. */
    public record Placement(UUID executionId, String workerId) {
    }

    private static final Comparator<Capacity> PREFERENCE = Comparator.comparingInt(Capacity::freeSlots).reversed()
            .thenComparing(Comparator.comparingDouble(Capacity::freeCpus).reversed())
            .thenComparing(Capacity::workerId);

    private DispatchPlanner() {
    }

    /**
     * @param queued  queued executions, oldest first
     * @param workers capacity of every worker that accepts work
     */
    public static List<Placement> plan(List<Candidate> queued, List<Capacity> workers) {
        List<Capacity> free = new ArrayList<>(workers);
        List<Placement> placements = new ArrayList<>();
        for (Candidate candidate : fairOrder(queued)) {
            if (free.isEmpty()) {
                break;
            }
            Capacity best = null;
            for (Capacity worker : free) {
                if (worker.fits(candidate) && (best == null || PREFERENCE.compare(worker, best) < 0)) {
                    best = worker;
                }
            }
            if (best == null) {
                continue;
            }
            placements.add(new Placement(candidate.executionId(), best.workerId()));
            free.remove(best);
            Capacity left = best.minus(candidate);
            if (left.freeSlots() > 0) {
                free.add(left);
            }
        }
        return placements;
    }

    /** Interleaves projects: each project's oldest, then each project's second oldest, and so on. */
    static List<Candidate> fairOrder(List<Candidate> oldestFirst) {
        Map<String, Deque<Candidate>> byProject = new LinkedHashMap<>();
        for (Candidate candidate : oldestFirst) {
            byProject.computeIfAbsent(candidate.projectId(), p -> new ArrayDeque<>()).add(candidate);
        }
        List<Candidate> order = new ArrayList<>(oldestFirst.size());
        while (order.size() < oldestFirst.size()) {
            for (Deque<Candidate> project : byProject.values()) {
                if (!project.isEmpty()) {
                    order.add(project.poll());
                }
            }
        }
        return order;
    }
}
