package io.rgrid.platform.leader;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * {@code rgrid.leader.*}: how the orchestrator's instances elect the one that dispatches,
 * autoscales, checks health, reconciles and relays (docs/operations.md lists them for operators).
 */
@ConfigMapping(prefix = "rgrid.leader")
public interface LeaderConfig {

    /**
     * How long the leader's lease lasts after its last renewal. A standby takes over at most this
     * plus one renew interval after the leader died or lost the database; shorter means a quicker
     * take-over but a leader that loses its lease on a shorter database stall.
     */
    @WithDefault("15s")
    Duration lease();

    /** How often every instance runs a lease round; at most half the lease. */
    @WithDefault("5s")
    Duration renewInterval();

    default LeaseSettings settings() {
        return new LeaseSettings(lease(), renewInterval());
    }
}
