package io.rgrid.api.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.model.ExecutionState;
import io.rgrid.platform.db.Transactions;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RGrid's own Prometheus metrics beside Micrometer's HTTP server timings
 * ({@code http_server_requests_seconds}): submissions, applied state changes, and executions by state.
 */
@Singleton
public class ApiMetrics {

    private static final Logger LOG = Logger.getLogger(ApiMetrics.class);

    private final MeterRegistry registry;
    private final Transactions tx;
    private final ExecutionRepository executions;
    private final Map<ExecutionState, AtomicLong> byState = new EnumMap<>(ExecutionState.class);

    public ApiMetrics(MeterRegistry registry, Transactions tx, ExecutionRepository executions) {
        this.registry = registry;
        this.tx = tx;
        this.executions = executions;
        for (ExecutionState state : ExecutionState.values()) {
            AtomicLong value = new AtomicLong();
            byState.put(state, value);
            Gauge.builder("rgrid.executions", value, AtomicLong::get)
                    .description("Executions in each state (all projects), refreshed every 15 s")
                    .tag("state", state.name())
                    .register(registry);
        }
    }

    /** @param result created, replayed (Idempotency-Key) or retry */
    public void submitted(String result) {
        registry.counter("rgrid.submissions", "result", result).increment();
    }

    /** Time a submission spent in one phase: {@code upload} (S3 puts) or {@code commit} (the database transaction). */
    public void submitPhase(String phase, long nanos) {
        Timer.builder("rgrid.submission.phase").tag("phase", phase)
                .description("Time of a submission's S3 uploads and of its database transaction")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A status report moved an execution into {@code state}. */
    public void stateEntered(ExecutionState state) {
        registry.counter("rgrid.execution.state.changes", "state", state.name()).increment();
    }

    @Scheduled(every = "15s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshStateGauge() {
        try {
            Map<ExecutionState, Long> counts = tx.read(executions::countAllByState);
            byState.forEach((state, value) -> value.set(counts.getOrDefault(state, 0L)));
        } catch (RuntimeException e) {
            LOG.debugf("executions-by-state gauge not refreshed: %s", e.getMessage());
        }
    }
}
