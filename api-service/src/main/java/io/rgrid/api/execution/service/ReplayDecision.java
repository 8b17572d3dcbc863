package io.rgrid.api.execution.service;

import io.rgrid.api.execution.repository.IdempotencyRepository;

import java.util.Optional;
import java.util.UUID;

/**
 * What an Idempotency-Key means for a request (pure): a key not held (or held past its retention,
 * so not found) lets the request create an execution; the same key with the same request replays
 * the execution it created; with another request it is a conflict.
 */
sealed interface ReplayDecision {

    /** No earlier request holds the key. */
    record Create() implements ReplayDecision {
    }

    /** The same request came before: answer with the execution it created. */
    record Replay(UUID executionId) implements ReplayDecision {
    }

    /** The key was used for a different request (execution {@code executionId}). */
    record Conflict(UUID executionId) implements ReplayDecision {
    }

    static ReplayDecision decide(Optional<IdempotencyRepository.Entry> earlier, String requestHash) {
        if (earlier.isEmpty()) {
            return new Create();
        }
        UUID id = earlier.get().executionId();
        return earlier.get().requestHash().equals(requestHash) ? new Replay(id) : new Conflict(id);
    }
}
