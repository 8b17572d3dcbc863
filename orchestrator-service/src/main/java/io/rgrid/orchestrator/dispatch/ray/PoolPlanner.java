package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.orchestrator.dispatch.DispatchPlanner;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.orchestrator.registry.WorkerRecord;

import java.util.List;
import java.util.Map;

/**
 * The one pooled capacity Ray may fill in a round (pure; {@code PoolPlannerTest}): what the
 * workers that accept work have left (their slots, CPUs and memory less what they hold), less
 * what Ray is still placing ({@link RayMode#PLACEMENT}). Ray picks the node; this only bounds how
 * many executions a round hands it.
 */
final class PoolPlanner {

    private PoolPlanner() {
    }

    static DispatchPlanner.Capacity pool(List<WorkerRecord> workers, Map<String, HeldExecutions.Held> held) {
        int slots = 0;
        double cpus = 0;
        int memory = 0;
        for (WorkerRecord worker : workers) {
            if (worker.acceptsWork()) {
                HeldExecutions.Held mine = held.getOrDefault(worker.id(), HeldExecutions.Held.NONE);
                slots += worker.slots() - mine.count();
                cpus += worker.totalCpus() - mine.cpus();
                memory += worker.totalMemoryMb() - mine.memoryMb();
            }
        }
        HeldExecutions.Held placing = held.getOrDefault(RayMode.PLACEMENT, HeldExecutions.Held.NONE);
        return new DispatchPlanner.Capacity(RayMode.PLACEMENT, slots - placing.count(), cpus - placing.cpus(),
                memory - placing.memoryMb());
    }
}
