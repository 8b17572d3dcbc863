package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.NetworkMode;
import io.rgrid.worker.assignment.service.OutcomeDecision.Verdict;
import io.rgrid.worker.runtime.ExitSignals;
import io.rgrid.worker.runtime.OomDecision;
import io.rgrid.worker.runtime.RunResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an attempt ends, case by case: the script's run, the pip install of its requirements and
 * what storing its outputs and log does to the outcome. "-" is null. The spec: 64 MiB, timeout 30 s.
 */
class OutcomeDecisionTest {

    private static final ExecutionSpec SPEC = new ExecutionSpec("python:3.11", List.of(), Map.of(), 1, 64, 30,
            NetworkMode.NONE, 1, Map.of());
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private static RunResult result(int exitCode, boolean timedOut, boolean killed, OomDecision.Outcome memory) {
        OomDecision.Verdict verdict = memory == OomDecision.Outcome.NONE ? OomDecision.Verdict.NONE
                : new OomDecision.Verdict(memory, "Docker flagged the container as OOM-killed");
        return new RunResult(exitCode, ExitSignals.ofProcess(exitCode, killed, false), verdict, timedOut, killed, AT, AT);
    }

    @ParameterizedTest(name = "exit {0}, timed out {1}, killed {2}, memory {3}, cancelled {4} -> {5} {6}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # an ordinary ending
            0   | false | false | NONE       | false | SUCCEEDED | -            | 0   | -                                    | -
            3   | false | false | NONE       | false | FAILED    | NONZERO_EXIT | 3   | the script exited with code 3        | -
            # the user's cancel kills it: CANCELLED, whatever else the kill looks like
            137 | false | true  | NONE       | true  | CANCELLED | CANCELLED    | 137 | cancelled on request                 | -
            137 | true  | true  | OOM_KILLED | true  | CANCELLED | CANCELLED    | 137 | cancelled on request                 | -
            # a kill that is not a cancel (a stopping fence, the drain) is no cancel
            137 | false | true  | NONE       | false | FAILED    | NONZERO_EXIT | 137 | the script exited with code 137      | -
            # the timeout comes before memory
            137 | true  | true  | OOM_KILLED | false | TIMED_OUT | TIMEOUT      | 137 | ran longer than its timeout of 30 s  | killed after the timeout of 30 s
            137 | true  | true  | NONE       | false | TIMED_OUT | TIMEOUT      | 137 | ran longer than its timeout of 30 s  | killed after the timeout of 30 s
            # the memory limit: the user hears the limit as set and how to raise it
            137 | false | false | OOM_KILLED | false | FAILED    | OOM_KILLED   | 137 | exceeded the memory limit of 64 MiB (--memory 64m); give it more with rgrid run --memory 128m | killed for exceeding the memory limit of 64 MiB (--memory 64m): Docker flagged
            1   | false | false | OOM_KILLED | false | FAILED    | OOM_KILLED   | 1   | exceeded the memory limit of 64 MiB  | killed for exceeding
            # a child killed for memory, the script still exited 0: a success, told in the log
            0   | false | false | SURVIVED   | false | SUCCEEDED | -            | 0   | -                                    | a process of this run was killed for exceeding the memory limit of 64 MiB (--memory 64m): Docker flagged the container as OOM-killed; the script still exited 0
            """)
    void ofRun(int exitCode, boolean timedOut, boolean killed, OomDecision.Outcome memory, boolean cancelled,
               ExecutionState state, FailureReason reason, Integer reportedExit, String message, String logLine) {
        Verdict verdict = OutcomeDecision.ofRun(result(exitCode, timedOut, killed, memory), cancelled, SPEC);

        assertThat(verdict.state()).isEqualTo(state);
        assertThat(verdict.reason()).isEqualTo(reason);
        assertThat(verdict.exitCode()).isEqualTo(reportedExit);
        assertContains(verdict.message(), message);
        assertContains(verdict.logLine(), logLine);
    }

    @ParameterizedTest(name = "pip exit {0}, timed out {1}, killed {2}, memory {3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            0   | false | false | NONE       | -
            1   | false | false | NONE       | installing requirements.txt failed (pip exited with code 1; its output is in the log)
            137 | true  | true  | NONE       | installing requirements.txt took longer than its limit of 600 s
            137 | false | false | OOM_KILLED | installing requirements.txt exceeded the memory limit of 64 MiB (--memory 64m); give it more with rgrid run --memory 128m
            137 | false | true  | NONE       | installing requirements.txt was stopped
            # the timeout is named, whatever memory did
            137 | true  | true  | OOM_KILLED | took longer than its limit of 600 s
            """)
    void ofRequirements(int exitCode, boolean timedOut, boolean killed, OomDecision.Outcome memory, String problem) {
        Verdict verdict = OutcomeDecision.ofRequirements(result(exitCode, timedOut, killed, memory),
                Duration.ofMinutes(10), SPEC);

        if (problem == null) {
            assertThat(verdict).isNull();
        } else {
            assertThat(verdict.state()).isEqualTo(ExecutionState.FAILED);
            assertThat(verdict.reason()).isEqualTo(FailureReason.REQUIREMENTS_FAILED);
            assertThat(verdict.exitCode()).isNull();
            assertThat(verdict.message()).contains(problem);
        }
    }

    @ParameterizedTest(name = "{0} {1}, then {2} -> {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # a success whose outputs or log could not be stored is no success: what was stored never counts
            SUCCEEDED | -            | outputs not stored | FAILED    | WORKER_ERROR | the script succeeded but its outputs could not be stored: store down
            SUCCEEDED | -            | log not stored     | FAILED    | WORKER_ERROR | the script succeeded but its log could not be stored: store down
            SUCCEEDED | -            | over the limit     | FAILED    | OUTPUT_LIMIT | outputs over the limit
            # any other outcome keeps its own reason
            FAILED    | NONZERO_EXIT | outputs not stored | FAILED    | NONZERO_EXIT | the script exited with code 3
            FAILED    | NONZERO_EXIT | over the limit     | FAILED    | NONZERO_EXIT | the script exited with code 3
            TIMED_OUT | TIMEOUT      | log not stored     | TIMED_OUT | TIMEOUT      | the script exited with code 3
            CANCELLED | CANCELLED    | outputs not stored | CANCELLED | CANCELLED    | the script exited with code 3
            """)
    void afterStoring(ExecutionState before, FailureReason beforeReason, String what, ExecutionState state,
                      FailureReason reason, String message) {
        Verdict outcome = before == ExecutionState.SUCCEEDED ? new Verdict(before, 0, null, null, null)
                : new Verdict(before, 3, beforeReason, "the script exited with code 3", null);

        Verdict after = switch (what) {
            case "outputs not stored" -> OutcomeDecision.notStored(outcome, "outputs", "store down");
            case "log not stored" -> OutcomeDecision.notStored(outcome, "log", "store down");
            default -> OutcomeDecision.overOutputLimit(outcome, "outputs over the limit: 6 files");
        };

        assertThat(after.state()).isEqualTo(state);
        assertThat(after.reason()).isEqualTo(reason);
        assertThat(after.message()).contains(message);
        assertThat(after.exitCode()).isEqualTo(before == ExecutionState.SUCCEEDED ? 0 : 3);
    }

    private static void assertContains(String actual, String expected) {
        if (expected == null) {
            assertThat(actual).isNull();
        } else {
            assertThat(actual).contains(expected);
        }
    }
}
