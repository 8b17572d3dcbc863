package io.rgrid.worker.assignment.service;

/**
 * Whether the agent takes an assignment, from what it knows of the attempt and what it has free.
 * Pure: {@link AssignmentService#accept} reads its state under its lock and acts on the verdict
 * (an answer, the problem it throws, or the run it starts).
 */
final class AdmissionDecision {

    /** CPUs are fractions: a request that equals what is free, give or take rounding, fits. */
    private static final double CPU_TOLERANCE = 1e-9;

    private AdmissionDecision() {
    }

    /** The verdicts, in the order they are checked. */
    enum Verdict {
        /** Held or finished already: a retried request, answered as accepted again, nothing started. */
        ALREADY_TAKEN,
        /** Taken back by the orchestrator after it got no answer: refused for good ({@code CONFLICT}). */
        FENCED,
        /** The agent is draining and takes no new work ({@code INVALID_STATE}). */
        DRAINING,
        /** Every slot is busy ({@code CONFLICT}). */
        NO_SLOT,
        /** A slot is free, but not the CPUs or memory the spec asks for ({@code CONFLICT}). */
        NO_RESOURCES,
        /** Take it: start the attempt. */
        ADMIT
    }

    /** What the agent knows of the attempt. */
    record Attempt(boolean heldOrFinished, boolean fenced, double cpus, int memoryMb) {
    }

    static Verdict decide(Attempt attempt, Capacity free) {
        if (attempt.heldOrFinished()) {
            return Verdict.ALREADY_TAKEN;
        }
        if (attempt.fenced()) {
            return Verdict.FENCED;
        }
        if (free.draining()) {
            return Verdict.DRAINING;
        }
        if (free.freeSlots() < 1) {
            return Verdict.NO_SLOT;
        }
        if (attempt.cpus() > free.freeCpus() + CPU_TOLERANCE || attempt.memoryMb() > free.freeMemoryMb()) {
            return Verdict.NO_RESOURCES;
        }
        return Verdict.ADMIT;
    }
}
