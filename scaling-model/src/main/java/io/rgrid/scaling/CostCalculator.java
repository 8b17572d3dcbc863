package io.rgrid.scaling;

import io.rgrid.model.event.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server cost, pure: a worker costs its hourly price for every billing period it has started,
 * from its creation to its deletion (or now). Hetzner bills started hours, so a server that lived
 * 61 minutes costs two hours. The billing period is configuration (an hour in production; tests
 * shorten it, and then the "hourly" price is per shortened period).
 */
public final class CostCalculator {

    /** One worker's cost. */
    public record WorkerCost(String workerId, String state, Instant createdAt, Instant endedAt, long startedPeriods,
                             double hourlyPriceEur, double costEur) {
    }

    /** The grid's cost: every worker it ever had, and the total. */
    public record Report(Instant at, double totalEur, Map<String, Double> perWorkerEur, List<WorkerCost> workers) {
    }

    /** What a worker's cost is computed from (the orchestrator's {@code WorkerRecord} is one). */
    public interface Billed {

        String id();

        WorkerState state();

        Instant createdAt();

        /** Null while it lives. */
        Instant deletedAt();

        double hourlyPriceEur();
    }

    private CostCalculator() {
    }

    public static long startedPeriods(Instant createdAt, Instant end, Duration period) {
        Duration lived = Duration.between(createdAt, end);
        if (lived.isNegative() || lived.isZero()) {
            return 1; // created this instant: its first period has started
        }
        long periods = lived.toNanos() / period.toNanos();
        return lived.toNanos() % period.toNanos() == 0 ? periods : periods + 1;
    }

    public static Report report(List<? extends Billed> workers, Duration period, Instant now) {
        Map<String, Double> perWorker = new LinkedHashMap<>();
        List<WorkerCost> rows = new ArrayList<>();
        double total = 0;
        for (Billed worker : workers) {
            Instant end = worker.deletedAt() == null ? now : worker.deletedAt();
            long periods = startedPeriods(worker.createdAt(), end, period);
            double cost = round(periods * worker.hourlyPriceEur());
            total += cost;
            perWorker.put(worker.id(), cost);
            rows.add(new WorkerCost(worker.id(), worker.state().name(), worker.createdAt(), worker.deletedAt(),
                    periods, worker.hourlyPriceEur(), cost));
        }
        return new Report(now, round(total), perWorker, rows);
    }

    private static double round(double eur) {
        return Math.round(eur * 10_000) / 10_000.0;
    }
}
