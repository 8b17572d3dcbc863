package io.rgrid.costsim;

import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;

import java.time.Instant;
import java.util.List;

/**
 * What a policy sees at one autoscaler tick, after the dispatcher has placed what fits.
 *
 * @param now           the tick's simulated time
 * @param queued        executions submitted and not yet placed
 * @param workers       every worker not deleted
 * @param workRemaining false once every execution of the trace has arrived and finished
 * @param settings      the grid's settings
 * @param queuedJobs    the queued executions, oldest first
 */
public record ClusterView(Instant now, int queued, List<Worker> workers, boolean workRemaining, Settings settings,
                          List<Trace.Job> queuedJobs) {

    /**
     * One worker.
     *
     * @param idleSince when it last became idle (its READY time if it never ran anything); null while busy or booting
     * @param type      its machine type (name, CPUs, price)
     */
    public record Worker(String id, WorkerState state, Instant createdAt, int held, Instant idleSince,
                         MachineType type) {

        public boolean idle() {
            return held == 0;
        }
    }

    public ClusterView {
        workers = List.copyOf(workers);
        queuedJobs = List.copyOf(queuedJobs);
    }
}
