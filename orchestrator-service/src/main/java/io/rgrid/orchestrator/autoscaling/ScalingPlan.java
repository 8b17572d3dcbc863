package io.rgrid.orchestrator.autoscaling;

import java.util.List;

/**
 * What the autoscaler should do now.
 *
 * @param provision how many workers to create
 * @param terminate ids of workers to delete
 * @param reason    why, for the log
 */
public record ScalingPlan(int provision, List<String> terminate, String reason) {

    public static final ScalingPlan NOTHING = new ScalingPlan(0, List.of(), "nothing to do");

    public ScalingPlan {
        terminate = List.copyOf(terminate);
        if (provision < 0) {
            throw new IllegalArgumentException("provision must be >= 0");
        }
    }

    public boolean isEmpty() {
        return provision == 0 && terminate.isEmpty();
    }
}
