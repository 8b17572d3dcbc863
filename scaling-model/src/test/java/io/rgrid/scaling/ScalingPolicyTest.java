package io.rgrid.scaling;

import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The scaling rules as a table: queue and workers in, number of workers to provision out. */
class ScalingPolicyTest {

    @ParameterizedTest(name = "[{index}] {0}: queued={1} provisioning={2} ready={3} draining={4} lost={5} "
            + "threshold={6} max={7} min={8} -> provision {9}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                   | queued | prov | ready | drain | lost | threshold | max | min | provision
            nothing queued, no workers               | 0      | 0    | 0     | 0     | 0    | 5         | 10  | 0   | 0
            one queued, no worker: start one at once | 1      | 0    | 0     | 0     | 0    | 5         | 10  | 0   | 1
            one queued, one booting: wait for it     | 1      | 1    | 0     | 0     | 0    | 5         | 10  | 0   | 0
            one queued, one ready: no more           | 1      | 0    | 1     | 0     | 0    | 5         | 10  | 0   | 0
            below threshold with a worker            | 4      | 0    | 1     | 0     | 0    | 5         | 10  | 0   | 0
            at threshold: one more                   | 5      | 0    | 1     | 0     | 0    | 5         | 10  | 0   | 1
            above threshold, booting counted: one    | 40     | 3    | 2     | 0     | 0    | 5         | 10  | 0   | 1
            at threshold but at max                  | 9      | 2    | 8     | 0     | 0    | 5         | 10  | 0   | 0
            draining workers count toward max        | 9      | 0    | 8     | 2     | 0    | 5         | 10  | 0   | 0
            lost workers do not count toward max     | 9      | 0    | 8     | 0     | 5    | 5         | 10  | 0   | 1
            only draining workers: start one         | 1      | 0    | 0     | 1     | 0    | 5         | 10  | 0   | 1
            max zero: never provision                | 3      | 0    | 0     | 0     | 0    | 5         | 0   | 0   | 0
            below min with nothing queued            | 0      | 0    | 0     | 0     | 0    | 5         | 10  | 2   | 2
            min counts booting workers               | 0      | 1    | 0     | 0     | 0    | 5         | 10  | 2   | 1
            min capped by max                        | 0      | 0    | 0     | 0     | 0    | 5         | 1   | 3   | 1
            threshold one behaves per tick           | 2      | 0    | 1     | 0     | 0    | 1         | 10  | 0   | 1
            """)
    void decides(String name, int queued, int provisioning, int ready, int draining, int lost, int threshold,
                 int max, int min, int expected) {
        List<ClusterSnapshot.Worker> workers = new ArrayList<>();
        add(workers, WorkerState.PROVISIONING, provisioning);
        add(workers, WorkerState.READY, ready);
        add(workers, WorkerState.DRAINING, draining);
        add(workers, WorkerState.LOST, lost);
        ClusterSnapshot snapshot = new ClusterSnapshot(queued, workers, threshold, max, min, Instant.now());

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        assertThat(plan.provision()).as(name).isEqualTo(expected);
        // Workers created now are at the start of their billing period: only idle DRAINING ones go.
        assertThat(plan.terminate()).as(name).hasSize(draining);
        if (expected > 0) {
            assertThat(plan.reason()).isNotBlank();
        }
    }

    private static void add(List<ClusterSnapshot.Worker> workers, WorkerState state, int count) {
        for (int i = 0; i < count; i++) {
            workers.add(new ClusterSnapshot.Worker("rgrid-worker-" + state.name().toLowerCase().charAt(0) + "0000" + i,
                    state, Instant.now(), 0));
        }
    }

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    /**
     * Idle termination: one worker whose age (minutes:seconds since creation) and load are given;
     * billing period 60 min, window 5 min unless the row says otherwise.
     */
    @ParameterizedTest(name = "[{index}] {0}: state={1} age={2} held={3} queued={4} min={5} -> terminate {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                        | state    | age (s) | held | queued | min | terminate
            idle, just created                            | READY    | 0       | 0    | 0      | 0   | false
            idle, middle of the first hour                | READY    | 1800    | 0    | 0      | 0   | false
            idle, one second before the window            | READY    | 3299    | 0    | 0      | 0   | false
            idle, window starts (55:00, inclusive)        | READY    | 3300    | 0    | 0      | 0   | true
            idle, inside the window                       | READY    | 3420    | 0    | 0      | 0   | true
            idle, 11 s left: still in time                | READY    | 3589    | 0    | 0      | 0   | true
            idle, 10 s left: too late, the next hour is paid | READY | 3590    | 0    | 0      | 0   | false
            idle, last second of the hour: kept           | READY    | 3599    | 0    | 0      | 0   | false
            idle, exactly one hour: a new hour started    | READY    | 3600    | 0    | 0      | 0   | false
            idle, second hour before its window           | READY    | 6000    | 0    | 0      | 0   | false
            idle, second hour inside its window           | READY    | 6900    | 0    | 0      | 0   | true
            idle, tenth hour inside its window            | READY    | 35700   | 0    | 0      | 0   | true
            busy in the window: never                     | READY    | 3500    | 1    | 0      | 0   | false
            idle in the window but work queued            | READY    | 3500    | 0    | 2      | 0   | false
            idle in the window but min workers 1          | READY    | 3500    | 0    | 0      | 1   | false
            booting in the window: not idle-terminated    | PROVISIONING | 3500 | 0    | 0      | 0   | false
            lost worker: not the autoscaler's             | LOST     | 3500    | 0    | 0      | 0   | false
            draining and idle: at once, any time          | DRAINING | 60      | 0    | 0      | 0   | true
            draining and idle, even with work queued      | DRAINING | 60      | 0    | 3      | 0   | true
            draining and busy: wait for it                | DRAINING | 3500    | 2    | 0      | 0   | false
            """)
    void terminatesIdleWorkersOnlyAtTheEndOfTheirBillingPeriod(String name, WorkerState state, long ageSeconds,
                                                               int held, int queued, int min, boolean terminate) {
        ClusterSnapshot.Worker worker = new ClusterSnapshot.Worker("rgrid-worker-aaaaaa", state,
                NOW.minusSeconds(ageSeconds), held);
        // Threshold high, so queued work alone never provisions here (the DRAINING row still needs no new worker).
        ClusterSnapshot snapshot = new ClusterSnapshot(queued, List.of(worker), 100, 10, min, Duration.ofHours(1),
                Duration.ofMinutes(5), NOW);

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        if (terminate) {
            assertThat(plan.terminate()).as(name).containsExactly(worker.id());
        } else {
            assertThat(plan.terminate()).as(name).isEmpty();
        }
    }

    /** Period 20 s, window 5 s: its delete lead is 1.25 s, so the window is [15 s, 18.75 s) of each period. */
    @ParameterizedTest(name = "[{index}] short period: age={0} ms -> terminate {1}")
    @CsvSource({"0, false", "14999, false", "15000, true", "18749, true", "18750, false", "19999, false",
            "20000, false", "35000, true"})
    void shortBillingPeriodAsUsedByTheIntegrationTest(long ageMillis, boolean terminate) {
        ClusterSnapshot.Worker worker = new ClusterSnapshot.Worker("rgrid-worker-bbbbbb", WorkerState.READY,
                NOW.minusMillis(ageMillis), 0);
        ClusterSnapshot snapshot = new ClusterSnapshot(0, List.of(worker), 5, 10, 0, Duration.ofSeconds(20),
                Duration.ofSeconds(5), NOW);

        assertThat(ScalingPolicy.decide(snapshot).terminate().contains(worker.id())).isEqualTo(terminate);
    }

    /**
     * The delete lead: the end of the window too late to start a deletion (it would land in the next
     * period, which is then paid anyway). 10 s, a quarter of windows under 40 s.
     */
    @ParameterizedTest(name = "[{index}] window {0} -> lead {1}")
    @CsvSource({"PT5M, PT10S", "PT60S, PT10S", "PT40S, PT10S", "PT20S, PT5S", "PT8S, PT2S", "PT0S, PT0S"})
    void theDeleteLeadIsTenSecondsOrAQuarterOfAShortWindow(Duration window, Duration lead) {
        ClusterSnapshot snapshot = new ClusterSnapshot(0, List.of(), 5, 10, 0, Duration.ofHours(1), window, NOW);

        assertThat(snapshot.deleteLead()).isEqualTo(lead);
    }

    @Test
    void keepsMinWorkersAndTerminatesTheOneClosestToItsNextPeriodFirst() {
        List<ClusterSnapshot.Worker> workers = List.of(
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa1", WorkerState.READY, NOW.minusSeconds(3310), 0),
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa2", WorkerState.READY, NOW.minusSeconds(3580), 0),
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa3", WorkerState.READY, NOW.minusSeconds(3500), 0),
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa4", WorkerState.READY, NOW.minusSeconds(3500), 1));
        ClusterSnapshot snapshot = new ClusterSnapshot(0, workers, 5, 10, 2, Duration.ofHours(1),
                Duration.ofMinutes(5), NOW);

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        // Four up, min two: two go; the busy one stays; the ones nearest the hour's end go first.
        assertThat(plan.terminate()).containsExactly("rgrid-worker-aaaaa2", "rgrid-worker-aaaaa3");
    }

    @Test
    void provisioningTickTerminatesNoReadyWorkerButAnIdleDrainingOne() {
        List<ClusterSnapshot.Worker> workers = List.of(
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa1", WorkerState.DRAINING, NOW.minusSeconds(3500), 0),
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa2", WorkerState.READY, NOW.minusSeconds(3500), 0),
                new ClusterSnapshot.Worker("rgrid-worker-aaaaa3", WorkerState.READY, NOW.minusSeconds(3500), 1));
        // Below min (3 with the draining one gone): one is provisioned; the idle READY one in its window stays.
        ClusterSnapshot snapshot = new ClusterSnapshot(0, workers, 5, 10, 4, Duration.ofHours(1),
                Duration.ofMinutes(5), NOW);

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        assertThat(plan.provision()).isEqualTo(1);
        assertThat(plan.terminate()).containsExactly("rgrid-worker-aaaaa1");
    }

    static final MachineType CX23 = new MachineType("cx23", 2, 4096, 0.0057);
    static final MachineType CX33 = new MachineType("cx33", 4, 8192, 0.0095);

    /**
     * With machine types (cx23, cx33 allowed; billing 60 min, window 5 min): workers as
     * {@code state:type:age-seconds:held}, queue as {@code cpus/memory} oldest first → the types
     * provisioned, the workers terminated, how many executions are unschedulable. {@code placing}: the
     * executions placed with Ray that no agent runs yet (issue 21: their Ray tasks wait for a worker).
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                                  | workers                                  | queue              | threshold | max | min | provision | terminate | unschedulable | placing
            4 CPUs and nothing up: a cx33                            | -                                        | 4/1024             | 5         | 10  | 0   | cx33      | -         | 0 | -
            small job and nothing up: a cx23                         | -                                        | 1/512              | 5         | 10  | 0   | cx23      | -         | 0 | -
            small job, a cx23 up: wait for it                        | READY:cx23:60:1                          | 1/512              | 5         | 10  | 0   | -         | -         | 0 | -
            large job, only a busy cx23: a cx33                      | READY:cx23:60:1                          | 4/1024             | 5         | 10  | 0   | cx33      | -         | 0 | -
            large job, a cx33 booting: wait for it                   | PROVISIONING:cx33:30:0                   | 4/1024             | 5         | 10  | 0   | -         | -         | 0 | -
            idle cx23 in its window, only large work queued: deleted | READY:cx23:3400:0 PROVISIONING:cx33:30:0 | 4/1024 4/2048      | 5         | 10  | 0   | -         | w1        | 0 | -
            idle cx23 in its window, small work queued: kept         | READY:cx23:3400:0 READY:cx33:60:1        | 1/512              | 5         | 10  | 0   | -         | -         | 0 | -
            idle cx23 before its window, large work queued: kept     | READY:cx23:1800:0 PROVISIONING:cx33:30:0 | 4/1024             | 5         | 10  | 0   | -         | -         | 0 | -
            at max: the idle unwanted cx23 goes, nothing new yet     | READY:cx23:3400:0                        | 4/1024             | 5         | 1   | 0   | -         | w1        | 0 | -
            unschedulable work keeps nothing: idle cx23 deleted      | READY:cx23:3400:0                        | 16/1024            | 5         | 10  | 0   | -         | w1        | 1 | -
            queue at threshold: one more of the type it waits for    | READY:cx23:60:2                          | 1/512 1/512 1/512 1/512 1/512 | 5 | 10 | 0 | cx23    | -         | 0 | -
            below min: the cheapest type                             | -                                        | -                  | 5         | 10  | 2   | cx23 cx23 | -         | 0 | -
            min keeps an idle unwanted worker                        | READY:cx23:3400:0                        | 4/1024             | 5         | 10  | 1   | cx33      | -         | 0 | -
            Ray-placed, nothing up: a cx23 (issue 21)                | -                                        | -                  | 5         | 10  | 0   | cx23      | -         | 0             | 1/512
            Ray-placed, idle cx23 in its window: kept (issue 21)     | READY:cx23:3400:0                        | -                  | 5         | 10  | 0   | -         | -         | 0             | 1/512
            Ray-placed large, idle cx23 in its window: cx33, cx23 goes | READY:cx23:3400:0                      | -                  | 5         | 10  | 0   | cx33      | w1        | 0             | 4/1024
            Ray-placed, a cx23 booting: wait for it                  | PROVISIONING:cx23:30:0                   | -                  | 5         | 10  | 0   | -         | -         | 0             | 1/512
            Ray-placed, at max: nothing new                          | READY:cx23:60:1                          | -                  | 5         | 1   | 0   | -         | -         | 0             | 4/1024
            Ray-placed work is not counted toward the threshold      | READY:cx23:60:0                          | 1/512 1/512 1/512 1/512 | 5    | 10  | 0   | -         | -         | 0             | 1/512
            threshold: the type of the oldest queued, not Ray-placed | READY:cx23:60:2 READY:cx33:60:1          | 1/512 1/512 1/512 1/512 1/512 | 5 | 10 | 0 | cx23    | -         | 0             | 4/1024
            """)
    void choosesTypesAndNeverKeepsAnIdleWorkerForWorkItCannotTake(String name, String workers, String queue,
                                                                   int threshold, int max, int min, String provision,
                                                                   String terminate, int unschedulable,
                                                                   String placing) {
        List<ClusterSnapshot.Worker> view = workers(workers);
        List<MachineChoice.Demand> demands = demands(queue);
        ClusterSnapshot snapshot = new ClusterSnapshot(demands.size(), view, threshold, max, min, Duration.ofHours(1),
                Duration.ofMinutes(5), NOW, demands, List.of(CX23, CX33), demands(placing));

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        assertThat(plan.provision()).as(name).isEqualTo(plan.machines().size());
        assertThat(plan.machines()).as(name).extracting(m -> m.type().name()).containsExactlyElementsOf(cells(provision));
        assertThat(plan.terminate()).as(name).containsExactlyElementsOf(cells(terminate));
        assertThat(plan.choice().unschedulable()).as(name).hasSize(unschedulable);
    }

    /**
     * Issue 21, without machine types: executions placed with Ray that no agent runs yet are demand.
     * Workers as {@code state:age-seconds:held} (billing 60 min, window 5 min, threshold 5, max 10).
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                                   | queued | placing | workers                      | min | provision | terminate
            Ray-placed, no worker: one is provisioned                | 0      | 1       | -                            | 0   | 1         | -
            Ray-placed, one booting: wait for it                     | 0      | 1       | PROVISIONING:30:0            | 0   | 0         | -
            Ray-placed, idle READY worker in its window: kept        | 0      | 1       | READY:3500:0                 | 0   | 0         | -
            nothing placed: the same idle worker goes                | 0      | 0       | READY:3500:0                 | 0   | 0         | w1
            Ray-placed and queued, no worker: one, not two           | 2      | 3       | -                            | 0   | 1         | -
            six Ray-placed on a ready worker: no threshold growth    | 0      | 6       | READY:60:0                   | 0   | 0         | -
            Ray-placed, only an idle draining worker: one, it goes   | 0      | 1       | DRAINING:60:0                | 0   | 1         | w1
            Ray-placed keeps both idle workers in their window       | 0      | 1       | READY:3500:0 READY:3400:0    | 0   | 0         | -
            """)
    void rayPlacedWorkIsDemandWithoutMachineTypes(String name, int queued, int placing, String workers, int min,
                                                  int provision, String terminate) {
        List<ClusterSnapshot.Worker> view = workers(workers);
        List<MachineChoice.Demand> placed = demands(String.join(" ", Collections.nCopies(placing, "1/512")));
        ClusterSnapshot snapshot = new ClusterSnapshot(queued, view, 5, 10, min, Duration.ofHours(1),
                Duration.ofMinutes(5), NOW, List.of(), List.of(), placed);

        ScalingPlan plan = ScalingPolicy.decide(snapshot);

        assertThat(plan.provision()).as(name).isEqualTo(provision);
        assertThat(plan.terminate()).as(name).containsExactlyElementsOf(cells(terminate));
    }

    /** Workers w1, w2, … as {@code state:type:age-seconds:held} cells, or {@code state:age-seconds:held} (no type). */
    private static List<ClusterSnapshot.Worker> workers(String cells) {
        List<ClusterSnapshot.Worker> view = new ArrayList<>();
        for (String cell : cells(cells)) {
            String id = "w" + (view.size() + 1);
            String[] f = cell.split(":");
            if (f.length == 3) {
                view.add(new ClusterSnapshot.Worker(id, WorkerState.valueOf(f[0]), NOW.minusSeconds(Long.parseLong(f[1])),
                        Integer.parseInt(f[2])));
                continue;
            }
            MachineType type = f[1].equals("cx23") ? CX23 : CX33;
            view.add(new ClusterSnapshot.Worker(id, WorkerState.valueOf(f[0]), NOW.minusSeconds(Long.parseLong(f[2])),
                    Integer.parseInt(f[3]), type.name(), type.cpus(), type.memoryMb()));
        }
        return view;
    }

    /** Executions as {@code cpus/memory} cells, oldest first. */
    private static List<MachineChoice.Demand> demands(String cells) {
        return cells(cells).stream().map(q -> q.split("/"))
                .map(f -> new MachineChoice.Demand(UUID.randomUUID(), Double.parseDouble(f[0]), Integer.parseInt(f[1]),
                        null))
                .toList();
    }

    private static List<String> cells(String cell) {
        return cell.isBlank() || "-".equals(cell.strip()) ? List.of() : List.of(cell.strip().split(" +"));
    }
}
