package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.dispatch.DispatchPlanner;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.queue.HeldExecutions.Held;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRecordBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The capacity Ray may fill in a round: two workers (w1 READY, w2 in the given state), each
 * 4 slots, 4 CPUs, 8192 MB; what each holds and what Ray is still placing are taken off.
 */
class PoolPlannerTest {

    @ParameterizedTest(name = "w2 {0}, w1 holds {1}, w2 holds {2}, placing {3} -> {4} slots, {5} cpus, {6} MB")
    @CsvSource({
            // w2 state, w1 held (n:cpus:mb), w2 held, Ray placing, slots, cpus, memory
            "READY,        0:0:0,      0:0:0,      0:0:0,      8, 8.0, 16384",
            "READY,        1:1:1024,   2:1.5:512,  0:0:0,      5, 5.5, 14848",
            "READY,        1:1:1024,   0:0:0,      2:2:2048,   5, 5.0, 13312", // Ray's own placements count
            "DRAINING,     1:1:1024,   0:0:0,      0:0:0,      3, 3.0,  7168", // takes no work
            "PROVISIONING, 0:0:0,      0:0:0,      0:0:0,      4, 4.0,  8192",
            "LOST,         4:4:8192,   0:0:0,      1:1:512,   -1, -1.0, -512"}) // over-placed: nothing free
    void pooledCapacity(WorkerState w2State, String w1Held, String w2Held, String placing, int slots, double cpus,
                        int memoryMb) {
        Map<String, Held> held = new HashMap<>();
        held.put("w1", held(w1Held));
        held.put("w2", held(w2Held));
        held.put(RayMode.PLACEMENT, held(placing));

        DispatchPlanner.Capacity pool = PoolPlanner.pool(List.of(worker("w1", WorkerState.READY), worker("w2", w2State)),
                held);

        assertThat(pool).isEqualTo(new DispatchPlanner.Capacity(RayMode.PLACEMENT, slots, cpus, memoryMb));
    }

    private static Held held(String text) {
        String[] parts = text.split(":");
        return new Held(Integer.parseInt(parts[0]), Double.parseDouble(parts[1]), Integer.parseInt(parts[2]));
    }

    private static WorkerRecord worker(String id, WorkerState state) {
        return WorkerRecordBuilder.worker(id).agent("127.0.0.1:8002", "token").state(state).size(4, 4, 8192).build();
    }
}
