package io.rgrid.api.execution.service;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.IdempotencyRepository;
import io.rgrid.api.execution.service.ExecutionService.Submitted;
import io.rgrid.api.metrics.ApiMetrics;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.platform.db.Transactions;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The earlier answer to a request with an Idempotency-Key ({@link ReplayDecision}): the key's
 * holder within {@code rgrid.api.idempotency-key-retention}, or nothing when the request is new.
 */
@Singleton
class IdempotentReplay {

    private final Transactions tx;
    private final IdempotencyRepository idempotency;
    private final ExecutionRepository executions;
    private final ApiMetrics metrics;
    private final Duration retention;

    IdempotentReplay(RgridConfig config, Transactions tx, IdempotencyRepository idempotency,
                     ExecutionRepository executions, ApiMetrics metrics) {
        this.tx = tx;
        this.idempotency = idempotency;
        this.executions = executions;
        this.metrics = metrics;
        this.retention = config.api().idempotencyKeyRetention();
    }

    /** How long a key is held: a key older than {@code now - retention} is free again. */
    Instant heldSince(Instant now) {
        return now.minus(retention);
    }

    /** The execution an earlier identical request created; 409 when the key was used for another request. */
    Optional<Submitted> earlier(Principal principal, String key, String requestHash) {
        Optional<IdempotencyRepository.Entry> entry = tx.read(c -> idempotency.find(c, principal.projectId(), key,
                heldSince(Instant.now())));
        return switch (ReplayDecision.decide(entry, requestHash)) {
            case ReplayDecision.Create create -> Optional.empty();
            case ReplayDecision.Conflict conflict -> throw new ApiException(ErrorCode.CONFLICT, "Idempotency-Key '"
                    + ExecutionService.abbreviate(key) + "' was already used for a different request (execution "
                    + conflict.executionId() + ")");
            case ReplayDecision.Replay replay -> Optional.of(replayed(replay.executionId()));
        };
    }

    private Submitted replayed(UUID id) {
        ExecutionRecord row = tx.read(c -> executions.find(c, id))
                .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT, "Idempotency-Key names an execution that no longer exists"));
        metrics.submitted("replayed");
        return new Submitted(row, false);
    }
}
