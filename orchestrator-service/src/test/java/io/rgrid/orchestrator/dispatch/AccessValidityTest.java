package io.rgrid.orchestrator.dispatch;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class AccessValidityTest {

    @ParameterizedTest(name = "timeout {0} s + margin {1} -> {2}")
    @CsvSource({
            // the timeout plus the margin
            "60,      PT40M, PT41M",
            "3600,    PT40M, PT1H40M",
            "0,       PT40M, PT40M",
            "-5,      PT40M, PT40M",
            // never past V4 signing's 7 days
            "604800,  PT40M, P7D",
            "86400,   P7D,   P7D",
            "601200,  PT1H,  P7D",
            "601200,  PT20M, PT167H20M",
    })
    void isTheTimeoutPlusTheMarginAtMostSevenDays(int timeoutSeconds, Duration margin, Duration expected) {
        assertThat(AccessValidity.of(timeoutSeconds, margin)).isEqualTo(expected);
    }
}
