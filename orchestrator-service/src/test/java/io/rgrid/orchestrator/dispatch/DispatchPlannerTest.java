package io.rgrid.orchestrator.dispatch;

import io.rgrid.orchestrator.dispatch.DispatchPlanner.Candidate;
import io.rgrid.orchestrator.dispatch.DispatchPlanner.Capacity;
import io.rgrid.orchestrator.dispatch.DispatchPlanner.Placement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class DispatchPlannerTest {

    private static Candidate exec(String project, double cpus, int memoryMb) {
        return new Candidate(UUID.randomUUID(), project, cpus, memoryMb);
    }

    @Test
    void oldestFirstWithinAProject() {
        Candidate first = exec("a", 1, 256);
        Candidate second = exec("a", 1, 256);
        List<Placement> plan = DispatchPlanner.plan(List.of(first, second), List.of(new Capacity("w1", 1, 4, 4096)));
        assertThat(plan).containsExactly(new Placement(first.executionId(), "w1"));
    }

    @Test
    void projectsTakeTurnsSoAFloodDoesNotStarveOthers() {
        List<Candidate> queue = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queue.add(exec("flood", 1, 256));
        }
        Candidate other = exec("other", 1, 256);
        queue.add(other);

        List<Placement> plan = DispatchPlanner.plan(queue, List.of(new Capacity("w1", 2, 8, 8192)));

        assertThat(plan).hasSize(2);
        assertThat(plan).extracting(Placement::executionId).containsExactly(queue.getFirst().executionId(),
                other.executionId());
    }

    @Test
    void respectsSlotsCpusAndMemory() {
        Candidate big = exec("a", 4, 256);
        Candidate hungry = exec("a", 1, 8192);
        Candidate small = exec("a", 1, 512);
        Candidate small2 = exec("a", 1, 512);
        List<Placement> plan = DispatchPlanner.plan(List.of(big, hungry, small, small2),
                List.of(new Capacity("w1", 1, 2, 2048)));
        // big and hungry fit nowhere and do not block the small one; one slot only.
        assertThat(plan).containsExactly(new Placement(small.executionId(), "w1"));
    }

    @Test
    void fractionalCpusAddUpExactly() {
        List<Candidate> queue = List.of(exec("a", 0.1, 10), exec("a", 0.2, 10), exec("a", 0.7, 10));
        List<Placement> plan = DispatchPlanner.plan(queue, List.of(new Capacity("w1", 3, 1.0, 100)));
        assertThat(plan).hasSize(3);
    }

    @Test
    void spreadsAcrossWorkersByFreeSlots() {
        List<Candidate> queue = List.of(exec("a", 1, 100), exec("a", 1, 100), exec("a", 1, 100));
        List<Placement> plan = DispatchPlanner.plan(queue,
                List.of(new Capacity("w1", 2, 4, 4096), new Capacity("w2", 2, 4, 4096)));
        assertThat(plan).extracting(Placement::workerId).containsExactly("w1", "w2", "w1");
    }

    @Test
    void noWorkersNoPlacements() {
        assertThat(DispatchPlanner.plan(List.of(exec("a", 1, 1)), List.of())).isEmpty();
        assertThat(DispatchPlanner.plan(List.of(exec("a", 1, 1)), List.of(new Capacity("w", 0, 4, 4096)))).isEmpty();
    }

    @Test
    void fairOrderInterleavesInOrderOfEachProjectsOldest() {
        Candidate a1 = exec("a", 1, 1);
        Candidate a2 = exec("a", 1, 1);
        Candidate b1 = exec("b", 1, 1);
        Candidate a3 = exec("a", 1, 1);
        Candidate c1 = exec("c", 1, 1);
        Candidate b2 = exec("b", 1, 1);
        assertThat(DispatchPlanner.fairOrder(List.of(a1, a2, b1, a3, c1, b2)))
                .containsExactly(a1, b1, c1, a2, b2, a3);
    }

    @Test
    void anExecutionThatInsistsOnAMachineTypeGoesOnlyToAWorkerOfThatType() {
        Candidate pinned = new Candidate(UUID.randomUUID(), "a", 1, 256, "cx33");
        Candidate any = exec("a", 1, 256);
        List<Capacity> workers = List.of(new Capacity("w-cx23", 2, 2, 4096, "cx23"),
                new Capacity("w-unknown", 2, 2, 4096));

        assertThat(DispatchPlanner.plan(List.of(pinned, any), workers))
                .containsExactly(new Placement(any.executionId(), "w-cx23"));
        assertThat(DispatchPlanner.plan(List.of(pinned), List.of(new Capacity("w-cx33", 1, 4, 8192, "cx33"))))
                .containsExactly(new Placement(pinned.executionId(), "w-cx33"));
    }
}
