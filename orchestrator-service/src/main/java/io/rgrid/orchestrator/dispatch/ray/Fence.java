package io.rgrid.orchestrator.dispatch.ray;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An attempt being stopped before its execution may be dispatched again ({@link RayFences}):
 * the agents that may hold it, each with the step it is at.
 */
final class Fence {

    /**
     * Where the fence stands with one agent: cancel still to be accepted, its end awaited, or
     * released (it no longer holds the attempt back; {@link FenceDecision}).
     */
    enum Step { CANCEL, AWAIT_END, RELEASED }

    private final UUID executionId;
    private final int attempt;
    private final Map<String, Step> targets;
    private final Instant since;
    private volatile boolean published;

    Fence(UUID executionId, int attempt, Map<String, Step> targets, Instant since) {
        this.executionId = executionId;
        this.attempt = attempt;
        this.targets = new ConcurrentHashMap<>(targets);
        this.since = since;
    }

    UUID executionId() {
        return executionId;
    }

    int attempt() {
        return attempt;
    }

    /** The agents still to answer, by worker id (thread-safe). */
    Map<String, Step> targets() {
        return targets;
    }

    Instant since() {
        return since;
    }

    /** True once the requeue's event has left the outbox. */
    boolean published() {
        return published;
    }

    void markPublished() {
        published = true;
    }
}
