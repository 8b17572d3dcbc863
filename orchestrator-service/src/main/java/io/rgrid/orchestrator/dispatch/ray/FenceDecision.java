package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.orchestrator.agent.AgentAnswers;

/**
 * Where a fence stands with one agent after that agent's answer (pure; {@code FenceDecisionTest}).
 * The fence asks the agent to cancel the old attempt, then asks for the attempt's state until it
 * has ended there; {@link Fence.Step#RELEASED} means this agent no longer keeps the next attempt
 * waiting. {@link RayFences} asks; this class only reads the answers.
 */
final class FenceDecision {

    private FenceDecision() {
    }

    /** After a cancel: not held there, released; accepted, await its end; otherwise ask again next round. */
    static Fence.Step afterCancel(AgentAnswers.Cancel answer) {
        return switch (answer) {
            case NOT_HELD -> Fence.Step.RELEASED;
            case ACCEPTED -> Fence.Step.AWAIT_END;
            case REFUSED, NO_ANSWER -> Fence.Step.CANCEL;
        };
    }

    /** While awaiting the end: finished there or unknown there (never held, or gone), released. */
    static Fence.Step afterAttempt(AgentAnswers.Attempt state) {
        return switch (state) {
            case FINISHED, UNKNOWN -> Fence.Step.RELEASED;
            case HELD, NO_ANSWER -> Fence.Step.AWAIT_END;
        };
    }

    /**
     * The step a round leaves an agent at: past its give-up time, an agent that still has not
     * confirmed the end releases the fence anyway (it is lost by then; the health monitor's).
     */
    static Fence.Step afterRound(Fence.Step step, boolean overdue) {
        return overdue ? Fence.Step.RELEASED : step;
    }
}
