package io.rgrid.bench.jmh;

import io.rgrid.model.event.WorkerState;
import io.rgrid.scaling.ClusterSnapshot;
import io.rgrid.scaling.ScalingPlan;
import io.rgrid.scaling.ScalingPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ScalingPolicy#decide} once per autoscaler tick: a grid of {@code workers} workers, half of
 * them idle inside their terminate window, nothing queued (the termination path, which sorts the
 * candidates), and the same grid with a queue over the threshold (the provisioning path).
 */
@State(Scope.Benchmark)
public class ScalingPolicyBenchmark {

    @Param({"10", "100"})
    public int workers;

    private ClusterSnapshot idle;
    private ClusterSnapshot busy;

    @Setup
    public void setUp() {
        Instant now = Instant.parse("2026-11-26T12:00:00Z");
        List<ClusterSnapshot.Worker> list = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            // Created 56 to 59 min (mod 1 h) ago: inside the last 5 min; every other one holds work.
            Instant created = now.minus(Duration.ofMinutes(56 + i % 4)).minus(Duration.ofHours(i % 3));
            list.add(new ClusterSnapshot.Worker(String.format("rgrid-worker-%04d", i), WorkerState.READY, created,
                    i % 2));
        }
        idle = new ClusterSnapshot(0, list, 5, workers + 1, 0, now);
        busy = new ClusterSnapshot(50, list, 5, workers + 1, 0, now);
    }

    @Benchmark
    public ScalingPlan nothingQueued() {
        return ScalingPolicy.decide(idle);
    }

    @Benchmark
    public ScalingPlan queueOverThreshold() {
        return ScalingPolicy.decide(busy);
    }
}
