package io.rgrid.orchestrator.health;

import io.rgrid.model.ExecutionState;

import java.time.Duration;

/**
 * The orchestrator's own deadline for an attempt whose worker never reported its outcome: a pure
 * function of one attempt's facts, ages on the database's clock.
 *
 * <p>The agent reports RUNNING when it starts the attempt, before it pulls the image and installs
 * requirements.txt; its script's own timer starts after both. So the deadline counts from RUNNING
 * (from the assignment for an attempt never reported RUNNING): {@code timeoutSeconds +
 * start-allowance} (the agents' image-pull plus requirements limits) {@code + deadline-grace} (the
 * report's way back). A RUNNING attempt past it ends TIMED_OUT (it had its whole budget); one
 * still ASSIGNED, or RUNNING with a cancel requested, is taken back. A timeout of 0 means none.
 */
public final class DeadlineDecision {

    private DeadlineDecision() {
    }

    public enum Action {
        NOT_DUE,
        /** RUNNING past its deadline: TIMED_OUT, not run again. */
        TIME_OUT,
        /** Never started (or cancelled) past its deadline: taken back. */
        TAKE_BACK
    }

    /**
     * @param sinceAssigned   since the attempt was assigned
     * @param sinceRunning    since its RUNNING report was applied; null when none was (or before it was recorded)
     * @param startAllowance  {@code rgrid.orchestrator.health.start-allowance}
     * @param grace           {@code rgrid.orchestrator.health.deadline-grace}
     */
    public record Facts(ExecutionState state, boolean cancelRequested, int timeoutSeconds, Duration sinceAssigned,
                        Duration sinceRunning, Duration startAllowance, Duration grace) {
    }

    public static Action decide(Facts facts) {
        if (facts.timeoutSeconds() <= 0 || !ExecutionState.ON_WORKER.contains(facts.state())) {
            return Action.NOT_DUE;
        }
        Duration clock = facts.state() == ExecutionState.RUNNING && facts.sinceRunning() != null
                ? facts.sinceRunning() : facts.sinceAssigned();
        Duration deadline = Duration.ofSeconds(facts.timeoutSeconds()).plus(facts.startAllowance()).plus(facts.grace());
        if (clock == null || clock.compareTo(deadline) <= 0) {
            return Action.NOT_DUE;
        }
        return facts.state() == ExecutionState.RUNNING && !facts.cancelRequested() ? Action.TIME_OUT : Action.TAKE_BACK;
    }
}
