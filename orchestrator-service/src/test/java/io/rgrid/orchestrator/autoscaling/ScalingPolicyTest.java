package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.event.WorkerState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
        assertThat(plan.terminate()).as("no terminations before the idle rule exists").isEmpty();
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
}
