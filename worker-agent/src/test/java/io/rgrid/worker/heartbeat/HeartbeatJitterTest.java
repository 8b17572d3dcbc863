package io.rgrid.worker.heartbeat;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class HeartbeatJitterTest {

    @Test
    void theNextHeartbeatComesAfterTheIntervalPlusUpToTenPercentJitter() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            long delay = HeartbeatService.delayMillis(Duration.ofSeconds(2));
            assertThat(delay).isBetween(2000L, 2199L);
            seen.add(delay);
        }
        assertThat(seen).as("jittered, not in step").hasSizeGreaterThan(50);
    }

    @Test
    void theJitterIsAtMostThreeSecondsForLongIntervals() {
        for (int i = 0; i < 2000; i++) {
            assertThat(HeartbeatService.delayMillis(Duration.ofMinutes(5))).isBetween(300_000L, 302_999L);
        }
        // The default 30 s interval: up to 3 s.
        assertThat(HeartbeatService.delayMillis(Duration.ofSeconds(30))).isBetween(30_000L, 32_999L);
    }
}
