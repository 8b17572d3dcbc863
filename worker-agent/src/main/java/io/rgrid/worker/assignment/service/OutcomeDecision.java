package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.MemorySize;
import io.rgrid.worker.runtime.OomDecision;
import io.rgrid.worker.runtime.RunResult;

import java.time.Duration;

/**
 * How an attempt ends, from what happened to it: the script's run, the pip install of its
 * requirements, the output limits and the uploads of its log and outputs. Pure: the runner
 * ({@link AttemptRunner}) gathers the facts and reports the verdict.
 */
final class OutcomeDecision {

    private OutcomeDecision() {
    }

    /**
     * An attempt's outcome so far.
     *
     * @param logLine the {@code [rgrid]} line the log gets about the script's run ({@link #ofRun}:
     *                timeout, memory), or null
     */
    record Verdict(ExecutionState state, Integer exitCode, FailureReason reason, String message, String logLine) {

        static Verdict failed(Integer exitCode, FailureReason reason, String message) {
            return new Verdict(ExecutionState.FAILED, exitCode, reason, message, null);
        }

        static Verdict cancelled(Integer exitCode) {
            return new Verdict(ExecutionState.CANCELLED, exitCode, FailureReason.CANCELLED, "cancelled on request", null);
        }

        boolean succeeded() {
            return state == ExecutionState.SUCCEEDED;
        }
    }

    /** The script's run ended: cancel, timeout, memory, exit code, in that order. */
    static Verdict ofRun(RunResult result, boolean cancelled, ExecutionSpec spec) {
        if (result.killed() && cancelled) {
            return Verdict.cancelled(result.exitCode());
        }
        if (result.timedOut()) {
            return new Verdict(ExecutionState.TIMED_OUT, result.exitCode(), FailureReason.TIMEOUT,
                    "ran longer than its timeout of " + spec.timeoutSeconds() + " s",
                    "killed after the timeout of " + spec.timeoutSeconds() + " s");
        }
        if (result.oomKilled()) {
            return new Verdict(ExecutionState.FAILED, result.exitCode(), FailureReason.OOM_KILLED,
                    "exceeded " + memoryLimit(spec) + "; " + raiseMemoryHint(spec),
                    "killed for exceeding " + memoryLimit(spec) + ": " + result.memory().evidence() + "; "
                            + raiseMemoryHint(spec));
        }
        if (result.exitCode() == 0) {
            String survived = result.memory().outcome() == OomDecision.Outcome.SURVIVED
                    ? "a process of this run was killed for exceeding " + memoryLimit(spec) + ": "
                    + result.memory().evidence() + "; the script still exited 0"
                    : null;
            return new Verdict(ExecutionState.SUCCEEDED, 0, null, null, survived);
        }
        return new Verdict(ExecutionState.FAILED, result.exitCode(), FailureReason.NONZERO_EXIT,
                "the script exited with code " + result.exitCode(), null);
    }

    /**
     * The pip install of requirements.txt ended (not cancelled): null when it installed, else
     * {@code FAILED REQUIREMENTS_FAILED} and the script does not run.
     */
    static Verdict ofRequirements(RunResult result, Duration timeout, ExecutionSpec spec) {
        String problem = null;
        if (result.timedOut()) {
            problem = "installing requirements.txt took longer than its limit of " + timeout.toSeconds() + " s";
        } else if (result.oomKilled()) {
            problem = "installing requirements.txt exceeded " + memoryLimit(spec) + "; " + raiseMemoryHint(spec);
        } else if (result.killed()) {
            problem = "installing requirements.txt was stopped";
        } else if (result.exitCode() != 0) {
            problem = "installing requirements.txt failed (pip exited with code " + result.exitCode()
                    + "; its output is in the log)";
        }
        return problem == null ? null : Verdict.failed(null, FailureReason.REQUIREMENTS_FAILED, problem);
    }

    /** The outputs are over the worker's limits: nothing is stored; a success becomes {@code FAILED OUTPUT_LIMIT}. */
    static Verdict overOutputLimit(Verdict outcome, String overLimit) {
        // A script that failed on its own keeps its reason.
        return outcome.succeeded() ? Verdict.failed(0, FailureReason.OUTPUT_LIMIT, overLimit) : outcome;
    }

    /**
     * The outputs or the log ({@code what}) could not be stored: a success becomes
     * {@code FAILED WORKER_ERROR}, so what was stored never counts as a success's; any other
     * outcome keeps its reason.
     */
    static Verdict notStored(Verdict outcome, String what, String why) {
        if (!outcome.succeeded()) {
            return outcome;
        }
        return Verdict.failed(0, FailureReason.WORKER_ERROR,
                "the script succeeded but its " + what + " could not be stored: " + why);
    }

    /** "the memory limit of 64 MiB (--memory 64m)": the limit as the user set it. */
    static String memoryLimit(ExecutionSpec spec) {
        return "the memory limit of " + spec.memoryMb() + " MiB (--memory " + MemorySize.format(spec.memoryMb()) + ")";
    }

    /** How to give the run more: twice the limit, in the flag's own form. */
    static String raiseMemoryHint(ExecutionSpec spec) {
        int doubled = (int) Math.min(Integer.MAX_VALUE, spec.memoryMb() * 2L);
        return "give it more with rgrid run --memory " + MemorySize.format(doubled) + " (or less data per run)";
    }
}
