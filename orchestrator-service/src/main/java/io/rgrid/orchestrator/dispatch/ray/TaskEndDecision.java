package io.rgrid.orchestrator.dispatch.ray;

import java.util.Optional;
import java.util.UUID;

/**
 * What an ended Ray task means for its attempt (pure; {@code TaskEndDecisionTest}). A task that
 * returned {@code FINISHED…} needs nothing: the agent reported the outcome. Any other end (it
 * failed in Ray, or the task returned the agent's refusal or unreachability) takes the attempt back.
 */
final class TaskEndDecision {

    /** A Ray task's key, {@code <execution id>#<attempt>}: what the driver hands back when it ends. */
    record TaskKey(UUID executionId, int attempt) {

        static TaskKey parse(String key) {
            int hash = key.lastIndexOf('#');
            return new TaskKey(UUID.fromString(key.substring(0, hash)), Integer.parseInt(key.substring(hash + 1)));
        }

        String text() {
            return executionId + "#" + attempt;
        }
    }

    private TaskEndDecision() {
    }

    /** Why the attempt is taken back, or empty when the task finished it. */
    static Optional<String> takeBackReason(boolean failed, String failure, String outcome) {
        if (failed) {
            return Optional.of("its Ray task failed: " + failure);
        }
        if (outcome != null && outcome.startsWith("FINISHED")) {
            return Optional.empty();
        }
        return Optional.of("its Ray task ended " + outcome);
    }
}
