package io.rgrid.worker.assignment.service;

import io.rgrid.worker.assignment.service.AdmissionDecision.Attempt;
import io.rgrid.worker.assignment.service.AdmissionDecision.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether the agent takes an assignment, case by case: what it knows of the attempt (held or
 * finished, fenced), whether it drains, and its free slots, CPUs and memory (of 4 slots).
 */
class AdmissionDecisionTest {

    @ParameterizedTest(name = "taken {0}, fenced {1}, draining {2}, {3} slots, {4}/{5} CPUs, {6}/{7} MiB -> {8}")
    @CsvSource(delimiter = '|', textBlock = """
            # a retried request is answered as before, whatever else holds now
            true  | false | true  | 0 | 4.0  | 1.0  | 4096 | 256  | ALREADY_TAKEN
            true  | true  | false | 1 | 4.0  | 1.0  | 4096 | 256  | ALREADY_TAKEN
            # a fenced attempt is refused for good, before draining or room are asked
            false | true  | true  | 0 | 4.0  | 1.0  | 4096 | 256  | FENCED
            false | true  | false | 4 | 4.0  | 1.0  | 4096 | 256  | FENCED
            # draining takes nothing new, even with room
            false | false | true  | 4 | 4.0  | 1.0  | 4096 | 256  | DRAINING
            # no slot comes before the resources
            false | false | false | 0 | 4.0  | 1.0  | 4096 | 256  | NO_SLOT
            false | false | false | 0 | 0.0  | 1.0  | 0    | 256  | NO_SLOT
            # a slot but not the CPUs or the memory
            false | false | false | 1 | 0.5  | 1.0  | 4096 | 256  | NO_RESOURCES
            false | false | false | 1 | 4.0  | 1.0  | 255  | 256  | NO_RESOURCES
            # exactly what is free fits; CPUs within rounding of it too
            false | false | false | 1 | 1.0  | 1.0  | 256  | 256  | ADMIT
            false | false | false | 1 | 0.3  | 0.30000000000000004 | 256 | 256 | ADMIT
            false | false | false | 4 | 4.0  | 0.25 | 4096 | 8    | ADMIT
            """)
    void decides(boolean taken, boolean fenced, boolean draining, int freeSlots, double freeCpus, double cpus,
                 int freeMemoryMb, int memoryMb, Verdict expected) {
        Capacity free = new Capacity(4, freeSlots, freeCpus, freeMemoryMb, List.of(), draining);

        assertThat(AdmissionDecision.decide(new Attempt(taken, fenced, cpus, memoryMb), free)).isEqualTo(expected);
    }
}
