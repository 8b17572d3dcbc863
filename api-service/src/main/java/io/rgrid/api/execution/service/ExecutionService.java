package io.rgrid.api.execution.service;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionQuery;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.IdempotencyRepository;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.execution.service.FilePolicy.FilePart;
import io.rgrid.api.metrics.ApiMetrics;
import io.rgrid.api.outbox.OutboxWriter;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Submissions, reads and cancellations of executions.
 *
 * <p>A submission is checked completely before anything is written ({@link SpecParser},
 * {@link SpecResolver}, {@link FilePolicy}, {@link CapacityCheck}), then its files go to S3
 * ({@link ExecutionFiles}), then the row and its {@code ExecutionSubmitted} event commit in one
 * transaction ({@link QueuedExecutions}). If that transaction fails the files are removed again,
 * so a rejected or failed submission leaves nothing behind; the client hears 201 only after the
 * commit. An Idempotency-Key replays an earlier submission ({@link IdempotentReplay}); a retry of
 * an ended execution is {@link ExecutionRetry}'s.
 */
@Singleton
public class ExecutionService {

    private final RgridConfig.Limits limits;
    private final SpecResolver specResolver;
    private final Transactions tx;
    private final ExecutionRepository executions;
    private final TransitionRepository transitions;
    private final OutboxWriter outbox;
    private final OutboxRelay outboxRelay;
    private final IdempotencyRepository idempotency;
    private final ApiMetrics metrics;
    private final CapacityCheck capacity;
    private final ExecutionFiles files;
    private final QueuedExecutions queued;
    private final IdempotentReplay replay;

    public ExecutionService(RgridConfig config, Transactions tx, ExecutionRepository executions,
                            TransitionRepository transitions, OutboxWriter outbox, OutboxRelay outboxRelay,
                            IdempotencyRepository idempotency, ApiMetrics metrics, CapacityCheck capacity,
                            ExecutionFiles files, QueuedExecutions queued, IdempotentReplay replay) {
        this.limits = config.api().limits();
        this.specResolver = new SpecResolver(config.api().defaults(), limits);
        this.tx = tx;
        this.executions = executions;
        this.transitions = transitions;
        this.outbox = outbox;
        this.outboxRelay = outboxRelay;
        this.idempotency = idempotency;
        this.metrics = metrics;
        this.capacity = capacity;
        this.files = files;
        this.queued = queued;
        this.replay = replay;
    }

    /** What a submission produced; {@code created} is false when an Idempotency-Key replayed an earlier one. */
    public record Submitted(ExecutionRecord row, boolean created) {
    }

    /**
     * @param idempotencyKey the client's Idempotency-Key header, or null: the same key with the same
     *                       request answers with the execution it created; with another request, 409.
     *                       After {@code rgrid.api.idempotency-key-retention} the key is free again.
     */
    public Submitted submit(Principal principal, Submission submission, String idempotencyKey) {
        if (idempotencyKey != null) {
            IdempotencyKeys.check(idempotencyKey);
        }
        ExecutionSpec spec = specResolver.resolve(SpecParser.parse(submission.specJson()));
        checkFiles(submission);
        capacity.check(spec);

        String requestHash = null;
        if (idempotencyKey != null) {
            requestHash = IdempotencyKeys.requestHash(submission);
            Optional<Submitted> earlier = replay.earlier(principal, idempotencyKey, requestHash);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }

        UUID id = Ids.newExecutionId();
        ExecutionKeys keys = ExecutionKeys.of(id, submission.inputs().stream().map(UploadedFile::fileName).toList(),
                submission.requirements() != null);
        long uploadStart = System.nanoTime();
        List<String> written = files.upload(submission, keys);
        long commitStart = System.nanoTime();
        metrics.submitPhase("upload", commitStart - uploadStart);
        // Microseconds: what PostgreSQL stores, so the 201 body equals a later GET.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ExecutionRecord row = new ExecutionRecord(id, principal.projectId(), ExecutionState.QUEUED, 1, spec,
                submission.script().fileName(), List.copyOf(keys.inputs().keySet()), keys.requirements() != null,
                null, null, null, null, null, now, now, null, null, null, null, null);
        ExecutionSubmitted event = SubmittedEvents.of(row);
        String hash = requestHash;
        boolean committed = queued.commit(row, event, written, connection -> {
            if (idempotencyKey == null || idempotency.insert(connection, principal.projectId(), idempotencyKey, hash, id,
                    now, replay.heldSince(now))) {
                return false;
            }
            // Undo the row and its event: the execution of the request that took the key stands.
            connection.rollback();
            return true;
        });
        metrics.submitPhase("commit", System.nanoTime() - commitStart);
        if (!committed) {
            // A concurrent request with the same key committed first: ours is the duplicate.
            files.discard(written);
            return replay.earlier(principal, idempotencyKey, requestHash)
                    .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT, "Idempotency-Key is in use by a concurrent request"));
        }
        metrics.submitted("created");
        return new Submitted(row, true);
    }

    /** One page of the caller's executions (the admin's: every project's). */
    public List<ExecutionRecord> list(Principal principal, ExecutionQuery query) {
        String scope = principal.projectScope();
        if (query.projectId() != null) {
            if (scope != null && !scope.equals(query.projectId())) {
                return List.of(); // another project's executions: as if there were none
            }
            scope = query.projectId();
        }
        ExecutionQuery scoped = new ExecutionQuery(scope, query.states(), query.labels(),
                query.createdSince(), query.createdBefore(), query.after(), query.limit());
        return tx.read(c -> executions.list(c, scoped));
    }

    /** Every state change of an execution the caller can see, oldest first (404 like {@link #find}). */
    public List<TransitionRepository.Transition> transitions(Principal principal, String rawId) {
        UUID id = find(principal, rawId).id();
        return tx.read(c -> transitions.list(c, id));
    }

    /**
     * The run of an attempt whose log and outputs the API serves (see {@link TransitionRepository#runOf}),
     * or null for an attempt that names none: its objects, if any, are in the layout before runs.
     */
    public String runOf(UUID executionId, int attempt) {
        return tx.read(c -> transitions.runOf(c, executionId, attempt)).orElse(null);
    }

    public ExecutionView get(Principal principal, String rawId) {
        return find(principal, rawId).toView();
    }

    /** The row, or 404 when the id is malformed, unknown, or belongs to a project the caller cannot see. */
    public ExecutionRecord find(Principal principal, String rawId) {
        UUID id = Ids.parseExecutionId(rawId);
        if (id == null) {
            throw ApiException.notFound("no execution " + abbreviate(rawId));
        }
        Optional<ExecutionRecord> row = tx.read(connection -> executions.find(connection, id));
        if (row.isEmpty() || !principal.canAccess(row.get().projectId())) {
            throw ApiException.notFound("no execution " + id);
        }
        return row.get();
    }

    /**
     * Asks the orchestrator to cancel: the row keeps its state until the orchestrator (or the
     * worker) reports CANCELLED, because only they know whether the script already finished.
     */
    public ExecutionView cancel(Principal principal, String rawId) {
        UUID id = find(principal, rawId).id();
        ExecutionRecord row = tx.inTransaction(connection -> {
            ExecutionRecord locked = executions.findForUpdate(connection, id)
                    .orElseThrow(() -> ApiException.notFound("no execution " + id));
            if (locked.state().isTerminal()) {
                throw new ApiException(ErrorCode.INVALID_STATE, "execution " + id + " already ended " + locked.state());
            }
            Instant now = Instant.now();
            executions.markCancelRequested(connection, id, now);
            outbox.append(connection, new ExecutionCancelRequested(id, locked.projectId(), now));
            return locked;
        });
        outboxRelay.wake();
        return row.toView();
    }

    /** The parts' names and sizes for {@link FilePolicy}; a part that cannot be read is a malformed request. */
    private void checkFiles(Submission submission) {
        FilePart script = part("script", submission.script());
        List<FilePart> inputs = new ArrayList<>();
        for (UploadedFile input : script == null ? List.<UploadedFile>of() : submission.inputs()) {
            inputs.add(part("input '" + FileNames.printable(String.valueOf(input.fileName())) + "'", input));
        }
        FilePolicy.check(limits, script, inputs, part("requirements", submission.requirements()));
    }

    private static FilePart part(String what, UploadedFile file) {
        if (file == null) {
            return null;
        }
        try {
            return new FilePart(file.fileName(), file.size());
        } catch (IOException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the " + what + " part could not be read");
        }
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String printable = FileNames.printable(text);
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
