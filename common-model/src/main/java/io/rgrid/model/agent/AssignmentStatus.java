package io.rgrid.model.agent;

import java.util.UUID;

/**
 * Whether an agent still holds an attempt ({@code GET /v1/assignments/{executionId}}): the Ray
 * task polls it to learn when the attempt it handed over has ended. The outcome itself travels
 * as the agent's status report on Kafka, as in agent mode.
 *
 * @param state {@link #RUNNING} while the agent holds the attempt, {@link #FINISHED} once it ended
 */
public record AssignmentStatus(UUID executionId, int attempt, String workerId, String state) {

    public static final String RUNNING = "RUNNING";
    public static final String FINISHED = "FINISHED";
}
