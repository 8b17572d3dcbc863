package io.rgrid.scaling;

import java.util.List;

/**
 * What the autoscaler should do now.
 *
 * @param provision     how many workers to create
 * @param terminate     ids of workers to delete
 * @param reason        why, for the log
 * @param machines      the type of each worker to create and the execution it is for ({@code provision} of
 *                      them); empty when the machine types are unknown (the provider's default type)
 * @param choice        where each queued execution will run and which can never run; {@link
 *                      MachineChoice.Outcome#NONE} when the machine types are unknown
 */
public record ScalingPlan(int provision, List<String> terminate, String reason, List<MachineChoice.NewMachine> machines,
                          MachineChoice.Outcome choice) {

    public static final ScalingPlan NOTHING = new ScalingPlan(0, List.of(), "nothing to do");

    public ScalingPlan {
        terminate = List.copyOf(terminate);
        machines = List.copyOf(machines);
        if (provision < 0) {
            throw new IllegalArgumentException("provision must be >= 0");
        }
        if (!machines.isEmpty() && machines.size() != provision) {
            throw new IllegalArgumentException("one machine type per worker to provision");
        }
    }

    /** A plan without machine types. */
    public ScalingPlan(int provision, List<String> terminate, String reason) {
        this(provision, terminate, reason, List.of(), MachineChoice.Outcome.NONE);
    }

    /** True when nothing is created or deleted (unschedulable executions may still be failed). */
    public boolean isEmpty() {
        return provision == 0 && terminate.isEmpty();
    }
}
