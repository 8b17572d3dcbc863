package io.rgrid.platform.messaging;

import io.rgrid.platform.db.DatabaseException;
import io.rgrid.platform.messaging.FailureDecision.Action;
import io.rgrid.platform.messaging.FailureDecision.Failure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

class FailureDecisionTest {

    /** failure, tries failed so far, records in the try, max tries → action. */
    @ParameterizedTest(name = "{0} after {1} tries of {2} records (max {3}) → {4}")
    @CsvSource({
            "UNAVAILABLE, 0,   50, 3, PAUSE_AND_RETRY",
            "UNAVAILABLE, 0,    1, 3, PAUSE_AND_RETRY",
            "UNAVAILABLE, 99,   1, 3, PAUSE_AND_RETRY",
            "UNAVAILABLE, 1000, 1, 1, PAUSE_AND_RETRY",
            "REJECTED,    1,   50, 3, RETRY",
            "REJECTED,    2,   50, 3, RETRY",
            "REJECTED,    3,   50, 3, SPLIT",
            "REJECTED,    4,   50, 3, SPLIT",
            "REJECTED,    3,    2, 3, SPLIT",
            "REJECTED,    1,    1, 3, RETRY",
            "REJECTED,    3,    1, 3, DEAD_LETTER",
            "REJECTED,    1,    1, 1, DEAD_LETTER",
            "REJECTED,    1,    9, 1, SPLIT",
            "UNDECODABLE, 0,    1, 3, DEAD_LETTER",
            "UNDECODABLE, 0,   50, 3, DEAD_LETTER",
    })
    void decides(Failure failure, int attempts, int records, int maxAttempts, Action expected) {
        assertThat(FailureDecision.decide(failure, attempts, records, maxAttempts)).isEqualTo(expected);
    }

    @Test
    void aDatabaseThatCannotBeReachedIsUnavailableWhereverItSitsInTheCauseChain() {
        SQLException refused = new SQLException("Connection to 127.0.0.1:5432 refused", "08001");
        assertThat(FailureDecision.classify(new DatabaseException(refused))).isEqualTo(Failure.UNAVAILABLE);
        assertThat(FailureDecision.classify(new IllegalStateException("wrapped", new DatabaseException(refused))))
                .isEqualTo(Failure.UNAVAILABLE);
        assertThat(FailureDecision.classify(new RuntimeException(refused))).isEqualTo(Failure.UNAVAILABLE);
        assertThat(FailureDecision.classify(new RuntimeException(new SQLTransientConnectionException("pool exhausted"))))
                .isEqualTo(Failure.UNAVAILABLE);
        assertThat(FailureDecision.classify(new RuntimeException(new SQLException("shutting down", "57P01"))))
                .isEqualTo(Failure.UNAVAILABLE);
        assertThat(FailureDecision.classify(new UncheckedIOException(new ConnectException("refused"))))
                .isEqualTo(Failure.UNAVAILABLE);
    }

    @Test
    void aWrongStatementOrABugIsRejected() {
        assertThat(FailureDecision.classify(new DatabaseException(new SQLException("duplicate key", "23505"))))
                .isEqualTo(Failure.REJECTED);
        assertThat(FailureDecision.classify(new RuntimeException(new SQLException("syntax", "42601"))))
                .isEqualTo(Failure.REJECTED);
        assertThat(FailureDecision.classify(new NullPointerException("payload"))).isEqualTo(Failure.REJECTED);
        assertThat(FailureDecision.classify(new IllegalArgumentException("poison"))).isEqualTo(Failure.REJECTED);
    }
}
