package io.rgrid.scaling;

import io.rgrid.model.event.WorkerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Started billing periods × hourly price, per worker and in total. */
class CostCalculatorTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    @ParameterizedTest(name = "lived {0} s -> {1} started hours")
    @CsvSource({"0, 1", "1, 1", "3599, 1", "3600, 1", "3601, 2", "7200, 2", "7201, 3"})
    void startedHours(long seconds, long expected) {
        assertThat(CostCalculator.startedPeriods(T0, T0.plusSeconds(seconds), HOUR)).isEqualTo(expected);
    }

    @Test
    void perWorkerAndTotalLiveOnesUntilNowDeletedOnesUntilDeletion() {
        Worker live = worker("rgrid-worker-aaaaa1", WorkerState.READY, T0, null, 0.0071);
        Worker deleted = worker("rgrid-worker-aaaaa2", WorkerState.DELETED, T0, T0.plusSeconds(3700), 0.5);
        Worker free = worker("rgrid-worker-aaaaa3", WorkerState.READY, T0, null, 0.0);

        CostCalculator.Report report = CostCalculator.report(List.of(live, deleted, free), HOUR,
                T0.plus(Duration.ofHours(5)));

        assertThat(report.perWorkerEur()).containsEntry("rgrid-worker-aaaaa1", 0.0355) // 5 hours
                .containsEntry("rgrid-worker-aaaaa2", 1.0) // 2 started hours, then deleted
                .containsEntry("rgrid-worker-aaaaa3", 0.0);
        assertThat(report.totalEur()).isEqualTo(1.0355);
        assertThat(report.workers()).extracting(CostCalculator.WorkerCost::startedPeriods).containsExactly(5L, 2L, 5L);
    }

    private record Worker(String id, WorkerState state, Instant createdAt, Instant deletedAt, double hourlyPriceEur)
            implements CostCalculator.Billed {
    }

    private static Worker worker(String id, WorkerState state, Instant created, Instant deleted, double price) {
        return new Worker(id, state, created, deleted, price);
    }
}
