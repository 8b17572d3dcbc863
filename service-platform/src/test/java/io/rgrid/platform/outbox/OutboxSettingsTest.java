package io.rgrid.platform.outbox;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** A setting out of range stops the service at start with the key's name; the defaults pass. */
class OutboxSettingsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            defaults            | 500  | PT1S | PT5S | PT45S | PT24H  | PT1H |
            largest batch       | 1024 | PT1S | PT5S | PT30S | PT24H  | PT1H |
            no rows             | 0    | PT1S | PT5S | PT30S | PT24H  | PT1H | rgrid.outbox.batch-size must be between 1 and 1024 rows (the channel's buffer), not 0
            more than in flight | 1025 | PT1S | PT5S | PT30S | PT24H  | PT1H | rgrid.outbox.batch-size must be between 1 and 1024 rows (the channel's buffer), not 1025
            zero poll           | 500  | PT0S | PT5S | PT30S | PT24H  | PT1H | rgrid.outbox.poll-interval must be a positive duration, not PT0S
            negative backoff    | 500  | PT1S | PT-5S| PT30S | PT24H  | PT1H | rgrid.outbox.max-backoff must be a positive duration, not PT-5S
            zero send timeout   | 500  | PT1S | PT5S | PT0S  | PT24H  | PT1H | rgrid.outbox.send-timeout must be a positive duration, not PT0S
            negative retention  | 500  | PT1S | PT5S | PT30S | PT-1H  | PT1H | rgrid.outbox.published-retention must be a positive duration, not PT-1H
            zero purge interval | 500  | PT1S | PT5S | PT30S | PT24H  | PT0S | rgrid.outbox.purge-interval must be a positive duration, not PT0S
            """)
    void checksEveryKey(String name, int batch, Duration poll, Duration backoff, Duration send, Duration retention,
                        Duration purge, String problem) {
        if (problem == null) {
            assertThat(new OutboxSettings(batch, poll, backoff, send, retention, purge).batchSize()).isEqualTo(batch);
        } else {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new OutboxSettings(batch, poll, backoff, send, retention, purge))
                    .withMessage(problem);
        }
    }
}
