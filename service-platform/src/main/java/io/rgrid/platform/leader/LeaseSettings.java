package io.rgrid.platform.leader;

import java.time.Duration;

/**
 * How a lease is held (from {@link LeaderConfig} in the services, written out in tests).
 *
 * @param length        how long a taken or renewed lease lasts without a renewal: how long a
 *                      standby waits after the leader's last renewal before it takes over
 * @param renewInterval how often every instance runs a lease round (the leader renews, a standby
 *                      looks whether the lease lapsed); at most half the length, so one failed
 *                      renewal does not lose the lease
 */
public record LeaseSettings(Duration length, Duration renewInterval) {

    /** @throws IllegalArgumentException naming the {@code rgrid.leader.*} key that is out of range */
    public LeaseSettings {
        if (renewInterval.isNegative() || renewInterval.isZero()) {
            throw new IllegalArgumentException("rgrid.leader.renew-interval must be a positive duration, not "
                    + renewInterval);
        }
        if (length.compareTo(renewInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("rgrid.leader.lease (" + length
                    + ") must be at least twice rgrid.leader.renew-interval (" + renewInterval + ")");
        }
    }
}
