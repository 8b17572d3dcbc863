package io.rgrid.costsim;

import io.rgrid.model.event.MachineType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tiny traces whose cost and waits are worked out by hand in each test's comment. Unless a test
 * says otherwise: EUR 0.01 per started hour, ticks every 5 s from 0, threshold 5, max 10, min 0,
 * a 5 min terminate window, a 60 s idle timeout.
 */
class SimulationTest {

    private static Settings settings(Duration boot, int slots, double cpus, int maxWorkers) {
        return new Settings("test", 0.01, boot, slots, cpus, 5, maxWorkers, 0, Duration.ofSeconds(5),
                Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(60));
    }

    private static Trace trace(String rows) throws IOException {
        return Trace.parse("test.csv", new StringReader("arrival_s,duration_s,cpus\n" + rows));
    }

    @Test
    void oneExecutionByHand() throws IOException {
        // Tick 0: one queued, no worker -> create w0001; READY at 60 s, runs 60..660 s: wait 60 s.
        Trace trace = trace("0,600,1\n");
        Settings s = settings(Duration.ofSeconds(60), 2, 2, 10);

        // RGrid keeps the idle worker until the last 5 min of its hour: deleted at the 55:00 tick.
        Result rgrid = Simulation.run(trace, Policy.rgrid(), s);
        assertThat(rgrid.periods()).isEqualTo(1);
        assertThat(rgrid.costEur()).isEqualTo(0.01);
        assertThat(rgrid.waitP50Millis()).isEqualTo(60_000);
        assertThat(rgrid.waitP95Millis()).isEqualTo(60_000);
        assertThat(rgrid.endMillis()).isEqualTo(3_300_000);

        Result idle = Simulation.run(trace, Policy.deleteWhenIdle(), s);
        assertThat(idle.periods()).isEqualTo(1);
        assertThat(idle.endMillis()).isEqualTo(660_000); // the tick at which it became idle

        Result ray = Simulation.run(trace, Policy.idleTimeout(Duration.ofSeconds(60)), s);
        assertThat(ray.endMillis()).isEqualTo(720_000);
        assertThat(ray.periods()).isEqualTo(1);

        // Ten workers from tick 0, all deleted when the trace is over (660 s): ten started hours.
        Result max = Simulation.run(trace, Policy.alwaysMax(), s);
        assertThat(max.serversCreated()).isEqualTo(10);
        assertThat(max.periods()).isEqualTo(10);
        assertThat(max.costEur()).isEqualTo(0.10);
        assertThat(max.waitP95Millis()).isEqualTo(60_000);
    }

    @Test
    void idleInsideTheTerminateWindowIsDeletedWithinTheHour() throws IOException {
        // Boot 0: runs 0..3299 s. The tick at 3300 s is 55:00 into the hour: window start, inclusive.
        Result r = Simulation.run(trace("0,3299,1\n"), Policy.rgrid(), settings(Duration.ZERO, 1, 1, 10));
        assertThat(r.endMillis()).isEqualTo(3_300_000);
        assertThat(r.periods()).isEqualTo(1);
    }

    @Test
    void idleAtTheHoursLastSecondsCostsRgridASecondHour() throws IOException {
        // Runs 0..3596 s. The next tick is 3600 s = 0 s into the second hour: outside the window, so
        // the real policy keeps the worker until 1:55:00 (2 started hours). Deleting at exactly
        // 60:00 counts as one hour (CostCalculator), which "delete when idle" gets.
        Settings s = settings(Duration.ZERO, 1, 1, 10);
        Trace trace = trace("0,3596,1\n");
        Result rgrid = Simulation.run(trace, Policy.rgrid(), s);
        assertThat(rgrid.endMillis()).isEqualTo(6_900_000);
        assertThat(rgrid.periods()).isEqualTo(2);
        Result idle = Simulation.run(trace, Policy.deleteWhenIdle(), s);
        assertThat(idle.endMillis()).isEqualTo(3_600_000);
        assertThat(idle.periods()).isEqualTo(1);
    }

    @Test
    void idleJustAfterTheHourPaysTheSecondHourWhateverThePolicy() throws IOException {
        // Runs 0..3601 s: the second hour has started; deleted at 3605 s or at 1:55:00, both pay 2.
        Settings s = settings(Duration.ZERO, 1, 1, 10);
        Trace trace = trace("0,3601,1\n");
        assertThat(Simulation.run(trace, Policy.rgrid(), s).periods()).isEqualTo(2);
        assertThat(Simulation.run(trace, Policy.deleteWhenIdle(), s).periods()).isEqualTo(2);
        assertThat(Simulation.run(trace, Policy.rgrid(), s).endMillis()).isEqualTo(6_900_000);
    }

    @Test
    void aWarmWorkerServesTheNextRunWithoutBootWait() throws IOException {
        // A runs 60..660 s. B arrives at 700 s.
        Trace trace = trace("0,600,1\n700,100,1\n");
        Settings s = settings(Duration.ofSeconds(60), 2, 2, 10);

        // Deleted at 660 s; B needs a new worker (created at the 700 s tick, READY 760 s): 2 hours.
        Result idle = Simulation.run(trace, Policy.deleteWhenIdle(), s);
        assertThat(idle.serversCreated()).isEqualTo(2);
        assertThat(idle.periods()).isEqualTo(2);
        assertThat(idle.waitP50Millis()).isEqualTo(60_000);
        assertThat(idle.waitP95Millis()).isEqualTo(60_000);

        // Idle 40 s at 700 s: still there; B starts at once, ends 800 s, deleted at the 860 s tick.
        Result ray = Simulation.run(trace, Policy.idleTimeout(Duration.ofSeconds(60)), s);
        assertThat(ray.serversCreated()).isEqualTo(1);
        assertThat(ray.periods()).isEqualTo(1);
        assertThat(ray.waitP50Millis()).isZero();
        assertThat(ray.waitP95Millis()).isEqualTo(60_000);
        assertThat(ray.endMillis()).isEqualTo(860_000);

        Result rgrid = Simulation.run(trace, Policy.rgrid(), s);
        assertThat(rgrid.serversCreated()).isEqualTo(1);
        assertThat(rgrid.periods()).isEqualTo(1);
        assertThat(rgrid.waitP50Millis()).isZero();
    }

    @Test
    void scalesUpOneWorkerPerTickAtTheQueueThreshold() throws IOException {
        // Six 1000 s runs at 0, one slot per worker, max 3. Tick 0: none up -> 1; ticks 5 and 10:
        // 6 queued >= 5 -> one more each. READY at 60, 65, 70; the other three start when those end.
        Trace trace = trace("0,1000,1\n".repeat(6));
        Result r = Simulation.run(trace, Policy.rgrid(), settings(Duration.ofSeconds(60), 1, 1, 3));
        assertThat(r.serversCreated()).isEqualTo(3);
        assertThat(r.peakWorkers()).isEqualTo(3);
        // Waits 60, 65, 70, 1060, 1065, 1070 s: nearest-rank p50 = 3rd, p95 = 6th.
        assertThat(r.waitP50Millis()).isEqualTo(70_000);
        assertThat(r.waitP95Millis()).isEqualTo(1_070_000);
        assertThat(r.waitMaxMillis()).isEqualTo(1_070_000);
        assertThat(r.periods()).isEqualTo(3);
    }

    @Test
    void placesByFreeSlotsAndCpus() throws IOException {
        // One 2-slot, 2-CPU worker (max 1, boot 0). A 2-CPU run takes the whole worker: the 1-CPU
        // run behind it waits for it (0..100 s) although a slot is free.
        Trace trace = trace("0,100,2\n0,50,1\n");
        Result r = Simulation.run(trace, Policy.rgrid(), settings(Duration.ZERO, 2, 2, 1));
        assertThat(r.waitMaxMillis()).isEqualTo(100_000);
        assertThat(r.serversCreated()).isEqualTo(1);
    }

    @Test
    void isDeterministic() throws IOException {
        Trace trace = Trace.read(Path.of("traces/bursty.csv"));
        Settings s = Settings.defaults();
        for (Policy policy : CostSimulator.policies(s, List.of())) {
            assertThat(Simulation.run(trace, policy, s)).isEqualTo(Simulation.run(trace, policy, s));
        }
    }

    @Test
    void everyShippedTraceReplaysUnderEveryPolicy() throws IOException {
        Settings s = Settings.defaults();
        for (String name : new String[] {"bursty.csv", "steady.csv", "nightly-batch.csv"}) {
            Trace trace = Trace.read(Path.of("traces", name));
            for (Policy policy : CostSimulator.policies(s, List.of())) {
                Result r = Simulation.run(trace, policy, s);
                assertThat(r.executions()).isEqualTo(trace.jobs().size());
                assertThat(r.peakWorkers()).isBetween(1, s.maxWorkers());
                // No policy pays less than the work itself fills: CPU-hours / CPUs per worker.
                assertThat(r.periods()).isGreaterThanOrEqualTo((long) Math.ceil(trace.cpuHours() / s.cpus()));
            }
        }
    }

    @Test
    void minWorkersStayAndArePaidUntilTheReplayEnds() throws IOException {
        // Min 1: the worker is never deleted; the replay ends at the first tick after the run (660 s).
        Settings s = new Settings("test", 0.01, Duration.ofSeconds(60), 2, 2, 5, 10, 1, Duration.ofSeconds(5),
                Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(60));
        for (Policy policy : CostSimulator.policies(s, List.of())) {
            Result r = Simulation.run(trace("0,600,1\n"), policy, s);
            if (!policy.name().equals("always max workers")) {
                assertThat(r.endMillis()).as(policy.name()).isEqualTo(660_000);
                assertThat(r.periods()).as(policy.name()).isEqualTo(1);
            }
        }
    }

    @Test
    void refusesAnExecutionNoWorkerCanHold() throws IOException {
        assertThatThrownBy(() -> Simulation.run(trace("0,10,4\n"), Policy.rgrid(), settings(Duration.ZERO, 2, 2, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4.0 CPUs, more than a worker has (2.0)");
    }

    @Test
    void replaysWithTheOrchestratorsOwnDefaults() {
        Settings s = Settings.defaults();
        assertThat(s.queueThreshold()).isEqualTo(5);
        assertThat(s.maxWorkers()).isEqualTo(10);
        assertThat(s.minWorkers()).isZero();
        assertThat(s.tick()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.billingPeriod()).isEqualTo(Duration.ofHours(1));
        assertThat(s.terminateWindow()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void mixedSizesGetTheCheapestTypeThatFitsAndCostLessThanOneLargeType() throws IOException {
        // Small runs all day, one 4-CPU run at noon: only that one needs a cx33.
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            rows.append(i * 600).append(",300,1\n");
        }
        rows.append("12000,1200,4\n");
        Trace trace = trace(rows.toString());
        Settings s = settings(Duration.ofSeconds(60), 2, 2, 10);
        List<MachineType> types = CostSimulator.types("cx23:2:0.0057,cx33:4:0.0095");

        List<Policy> policies = CostSimulator.policies(s, types);
        Result typed = Simulation.run(trace, policies.get(0), s);
        Result large = Simulation.run(trace, policies.get(1), s);

        assertThat(typed.executions()).isEqualTo(41);
        assertThat(large.executions()).isEqualTo(41);
        assertThat(typed.costEur()).isLessThan(large.costEur());
        assertThatThrownBy(() -> Simulation.run(trace("0,10,8\n"), policies.get(0), s))
                .hasMessageContaining("more than a worker has (4.0)");
    }
}
