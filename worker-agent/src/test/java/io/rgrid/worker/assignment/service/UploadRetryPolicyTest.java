package io.rgrid.worker.assignment.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The waits between tries of an upload, try by try: doubling from the backoff, capped, then no more. */
class UploadRetryPolicyTest {

    @ParameterizedTest(name = "{0} tries, backoff {1}, cap {2}: after {3} failed -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            8 | PT1S    | PT15S | 1  | PT1S
            8 | PT1S    | PT15S | 2  | PT2S
            8 | PT1S    | PT15S | 4  | PT8S
            # capped
            8 | PT1S    | PT15S | 5  | PT15S
            8 | PT1S    | PT15S | 7  | PT15S
            # the last try failed: no more waiting
            8 | PT1S    | PT15S | 8  | -
            8 | PT1S    | PT15S | 9  | -
            # one try: never retried
            1 | PT1S    | PT15S | 1  | -
            # no backoff: at once
            3 | PT0S    | PT0S  | 1  | PT0S
            # a long outage policy does not overflow
            64 | PT10S  | PT1M  | 63 | PT1M
            # nothing failed yet: nothing to wait for
            8 | PT1S    | PT15S | 0  | -
            """)
    void delays(int attempts, Duration backoff, Duration cap, int failed, Duration expected) {
        assertThat(new UploadRetryPolicy(attempts, backoff, cap).delayAfter(failed).orElse(null)).isEqualTo(expected);
    }

    @Test
    void patienceIsTheSumOfEveryWait() {
        // 1 + 2 + 4 + 8 + 15 + 15 + 15: the defaults outlast a store away for 30 s
        assertThat(new UploadRetryPolicy(8, Duration.ofSeconds(1), Duration.ofSeconds(15)).patience())
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(new UploadRetryPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(15)).patience())
                .isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesASettingThatMakesNoSense() {
        assertThatThrownBy(() -> new UploadRetryPolicy(0, Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .hasMessageContaining("rgrid.worker.upload-retry.attempts must be at least 1");
        assertThatThrownBy(() -> new UploadRetryPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(2)))
                .hasMessageContaining("at most max-backoff");
    }
}
