package io.rgrid.api.execution.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionQuery;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.IdempotencyRepository;
import io.rgrid.api.metrics.ApiMetrics;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.outbox.OutboxWriter;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.Problem.FieldError;
import io.rgrid.model.api.SubmitSpec;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.storage.StorageKeys;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Submissions, reads and cancellations of executions.
 *
 * <p>A submission is checked completely before anything is written, then its files go to S3,
 * then the row and its {@code ExecutionSubmitted} event commit in one transaction. If that
 * transaction fails the files are removed again, so a rejected or failed submission leaves
 * nothing behind; the client hears 201 only after the commit.
 */
@Singleton
public class ExecutionService {

    /** Who the transitions table names for changes the API itself makes. */
    public static final String REPORTED_BY_API = "api";

    /** Strict for user input, unlike the event codec: a misspelt field is an error, not a silent default. */
    private static final ObjectMapper SPEC_READER = Json.configure(new ObjectMapper())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);
    /** How often, and how far apart, a failed commit's outcome is asked of the database. */
    private static final int COMMIT_CHECKS = 10;
    private static final Duration COMMIT_CHECK_PAUSE = Duration.ofMillis(500);

    private final RgridConfig.Limits limits;
    private final SpecResolver specResolver;
    private final Transactions tx;
    private final ExecutionRepository executions;
    private final TransitionRepository transitions;
    private final OutboxWriter outbox;
    private final OutboxRelay outboxRelay;
    private final ObjectStore store;
    private final IdempotencyRepository idempotency;
    private final ApiMetrics metrics;
    private final Duration idempotencyRetention;
    private final CapacityCheck capacity;

    public ExecutionService(RgridConfig config, Transactions tx, ExecutionRepository executions,
                            TransitionRepository transitions, OutboxWriter outbox, OutboxRelay outboxRelay, ObjectStore store,
                            IdempotencyRepository idempotency, ApiMetrics metrics, CapacityCheck capacity) {
        this.capacity = capacity;
        this.idempotency = idempotency;
        this.metrics = metrics;
        this.limits = config.api().limits();
        this.idempotencyRetention = config.api().idempotencyKeyRetention();
        this.specResolver = new SpecResolver(config.api().defaults(), limits);
        this.tx = tx;
        this.executions = executions;
        this.transitions = transitions;
        this.outbox = outbox;
        this.outboxRelay = outboxRelay;
        this.store = store;
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
        ExecutionSpec spec = specResolver.resolve(parseSpec(submission.specJson()));
        checkFiles(submission);
        capacity.check(spec);

        String requestHash = null;
        if (idempotencyKey != null) {
            requestHash = IdempotencyKeys.requestHash(submission);
            Optional<Submitted> earlier = replay(principal, idempotencyKey, requestHash);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }

        UUID id = Ids.newExecutionId();
        String scriptKey = StorageKeys.script(id);
        Map<String, String> inputKeys = new LinkedHashMap<>();
        for (UploadedFile input : submission.inputs()) {
            inputKeys.put(input.fileName(), StorageKeys.input(id, input.fileName()));
        }
        String requirementsKey = submission.requirements() == null ? null : StorageKeys.requirements(id);

        List<String> written = new ArrayList<>();
        long uploadStart = System.nanoTime();
        try {
            upload(submission.script(), scriptKey, written);
            for (UploadedFile input : submission.inputs()) {
                upload(input, inputKeys.get(input.fileName()), written);
            }
            if (requirementsKey != null) {
                upload(submission.requirements(), requirementsKey, written);
            }
        } catch (StorageException e) {
            store.deleteQuietly(written);
            throw ApiException.dependencyUnavailable("the object store is unavailable; nothing was submitted", e);
        } catch (RuntimeException e) {
            store.deleteQuietly(written);
            throw e;
        }

        long commitStart = System.nanoTime();
        metrics.submitPhase("upload", commitStart - uploadStart);
        // Microseconds: what PostgreSQL stores, so the 201 body equals a later GET.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ExecutionRecord row = new ExecutionRecord(id, principal.projectId(), ExecutionState.QUEUED, 1, spec,
                submission.script().fileName(), List.copyOf(inputKeys.keySet()), requirementsKey != null,
                null, null, null, null, null, now, now, null, null, null, null, null);
        ExecutionSubmitted event = new ExecutionSubmitted(id, principal.projectId(), 1, spec, scriptKey, inputKeys,
                requirementsKey, now);
        String hash = requestHash;
        boolean keyTaken;
        try {
            keyTaken = tx.inTransaction(connection -> {
                insertQueued(connection, row, event);
                if (idempotencyKey != null
                        && !idempotency.insert(connection, principal.projectId(), idempotencyKey, hash, id, now,
                        now.minus(idempotencyRetention))) {
                    // Undo the row and its event: the execution of the request that took the key stands.
                    connection.rollback();
                    return true;
                }
                return false;
            });
        } catch (RuntimeException e) {
            if (!committedAfterAll(id, written)) {
                throw e;
            }
            keyTaken = false; // a taken key rolls the row back: the row is there, so ours was free
        }
        metrics.submitPhase("commit", System.nanoTime() - commitStart);
        if (keyTaken) {
            // A concurrent request with the same key committed first: ours is the duplicate.
            store.deleteQuietly(written);
            return replay(principal, idempotencyKey, requestHash)
                    .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT, "Idempotency-Key is in use by a concurrent request"));
        }
        outboxRelay.wake();
        metrics.submitted("created");
        return new Submitted(row, true);
    }

    private Optional<Submitted> replay(Principal principal, String key, String requestHash) {
        Instant cutoff = Instant.now().minus(idempotencyRetention);
        Optional<IdempotencyRepository.Entry> entry = tx.read(c -> idempotency.find(c, principal.projectId(), key, cutoff));
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        if (!entry.get().requestHash().equals(requestHash)) {
            throw new ApiException(ErrorCode.CONFLICT, "Idempotency-Key '" + abbreviate(key)
                    + "' was already used for a different request (execution " + entry.get().executionId() + ")");
        }
        ExecutionRecord row = tx.read(c -> executions.find(c, entry.get().executionId()))
                .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT, "Idempotency-Key names an execution that no longer exists"));
        metrics.submitted("replayed");
        return Optional.of(new Submitted(row, false));
    }

    private void insertQueued(java.sql.Connection connection, ExecutionRecord row, ExecutionSubmitted event)
            throws java.sql.SQLException {
        executions.insert(connection, row);
        transitions.append(connection, new TransitionRepository.Transition(row.id(), 1, null, ExecutionState.QUEUED,
                row.createdAt(), REPORTED_BY_API));
        outbox.append(connection, event);
    }

    /**
     * A new execution with the same spec and files as a finished one; the files are copied inside
     * the bucket, so the new execution does not depend on the old one's files staying.
     */
    public ExecutionRecord retry(Principal principal, String rawId) {
        ExecutionRecord source = find(principal, rawId);
        if (!source.state().isTerminal()) {
            throw new ApiException(ErrorCode.INVALID_STATE, "execution " + source.id() + " is " + source.state()
                    + "; only an execution that ended can be retried (cancel it first)");
        }
        capacity.check(source.spec());
        UUID id = Ids.newExecutionId();
        String scriptKey = StorageKeys.script(id);
        Map<String, String> inputKeys = new LinkedHashMap<>();
        for (String name : source.inputs()) {
            inputKeys.put(name, StorageKeys.input(id, name));
        }
        String requirementsKey = source.hasRequirements() ? StorageKeys.requirements(id) : null;
        List<String> written = new ArrayList<>();
        try {
            copy(StorageKeys.script(source.id()), scriptKey, written);
            for (String name : source.inputs()) {
                copy(StorageKeys.input(source.id(), name), inputKeys.get(name), written);
            }
            if (requirementsKey != null) {
                copy(StorageKeys.requirements(source.id()), requirementsKey, written);
            }
        } catch (StorageException e) {
            store.deleteQuietly(written);
            throw ApiException.dependencyUnavailable("the object store is unavailable; nothing was submitted", e);
        } catch (RuntimeException e) {
            store.deleteQuietly(written);
            throw e;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ExecutionRecord row = new ExecutionRecord(id, source.projectId(), ExecutionState.QUEUED, 1, source.spec(),
                source.scriptName(), source.inputs(), source.hasRequirements(), null, null, null, null, null, now, now,
                null, null, source.id(), null, null);
        ExecutionSubmitted event = new ExecutionSubmitted(id, source.projectId(), 1, source.spec(), scriptKey, inputKeys,
                requirementsKey, now);
        try {
            tx.inTransaction(connection -> {
                insertQueued(connection, row, event);
                return null;
            });
        } catch (RuntimeException e) {
            if (!committedAfterAll(id, written)) {
                throw e;
            }
        }
        outboxRelay.wake();
        metrics.submitted("retry");
        return row;
    }

    /**
     * After a failed commit: whether the row was committed after all. A commit that fails after it
     * reached the server (the database restarting at that moment) has an unknown outcome, and
     * deleting the files of a row that did commit leaves an execution that can only fail
     * (INPUT_UNAVAILABLE; the chaos suite caught it). So the database is asked, for a few seconds
     * while it comes back: a committed row keeps its files and the submission succeeds; no row, and
     * the files go. When it cannot be told, the files stay (unreferenced objects are harmless, a
     * row without its script is not).
     */
    private boolean committedAfterAll(UUID id, List<String> written) {
        for (int attempt = 1; attempt <= COMMIT_CHECKS; attempt++) {
            try {
                boolean committed = tx.read(c -> executions.find(c, id)).isPresent();
                if (!committed) {
                    store.deleteQuietly(written);
                }
                return committed;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(COMMIT_CHECK_PAUSE.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.warnf("submission %s: the commit's outcome is unknown (the database did not answer); its %d objects are kept",
                id, written.size());
        return false;
    }

    private void copy(String from, String to, List<String> written) {
        written.add(to);
        if (!store.copy(from, to)) {
            throw new ApiException(ErrorCode.INVALID_STATE, "the files of the original execution are gone (" + from
                    + "); it cannot be retried");
        }
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

    static SubmitSpec parseSpec(String json) {
        if (json == null || json.isBlank()) {
            return SubmitSpec.empty();
        }
        try {
            SubmitSpec spec = SPEC_READER.readValue(json, SubmitSpec.class);
            return spec == null ? SubmitSpec.empty() : spec;
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: unknown field '" + field + "'",
                    List.of(new FieldError(field, "unknown field; known fields: " + e.getKnownPropertyIds())));
        } catch (MismatchedInputException e) {
            String field = path(e);
            if (field.isEmpty()) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part must be a JSON object");
            }
            String message = e.getTargetType() == null ? "has the wrong type"
                    : "must be " + describe(e.getTargetType());
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: " + field + " " + message,
                    List.of(new FieldError(field, message)));
        } catch (JsonMappingException e) {
            String field = path(e);
            String message = e.getOriginalMessage();
            if (field.isEmpty()) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part is not a valid spec: " + message);
            }
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid spec: " + field + ": " + message,
                    List.of(new FieldError(field, message)));
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private void checkFiles(Submission submission) {
        if (submission.script() == null) {
            throw new ApiException(ErrorCode.MISSING_PART, "the '" + "script" + "' file part is required");
        }
        List<FieldError> errors = new ArrayList<>();
        checkName("script", submission.script(), errors);
        checkSize("script", submission.script(), limits.maxScriptBytes());
        if (submission.inputs().size() > limits.maxInputs()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "at most " + limits.maxInputs() + " input files per execution");
        }
        Set<String> seen = new HashSet<>();
        for (UploadedFile input : submission.inputs()) {
            checkName("inputs", input, errors);
            if (input.fileName() != null && !seen.add(input.fileName())) {
                errors.add(new FieldError("inputs", "two inputs are named '" + FileNames.printable(input.fileName()) + "'"));
            }
            checkSize("input '" + FileNames.printable(String.valueOf(input.fileName())) + "'", input, limits.maxInputBytes());
        }
        long total = 0;
        for (UploadedFile input : submission.inputs()) {
            try {
                total += input.size();
            } catch (IOException e) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "an input part could not be read");
            }
        }
        if (total > limits.maxTotalInputBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the inputs are " + total + " bytes together; the limit is "
                    + limits.maxTotalInputBytes());
        }
        if (submission.requirements() != null) {
            checkSize("requirements", submission.requirements(), limits.maxRequirementsBytes());
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_FILE_NAME,
                    errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")), errors);
        }
    }

    private static void checkName(String part, UploadedFile file, List<FieldError> errors) {
        String problem = FileNames.problem(file.fileName());
        if (problem != null) {
            errors.add(new FieldError(part, problem));
        }
    }

    private static void checkSize(String what, UploadedFile file, long max) {
        long size;
        try {
            size = file.size();
        } catch (IOException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the " + what + " part could not be read");
        }
        if (size > max) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the " + what + " file is " + size
                    + " bytes; the limit is " + max);
        }
    }

    private void upload(UploadedFile file, String key, List<String> written) {
        // Recorded before the put: a put that fails half-way may still leave an object to remove.
        written.add(key);
        try (InputStream content = file.open()) {
            store.put(key, content, file.size(), file.contentType());
        } catch (IOException e) {
            throw new StorageException("reading the spooled upload for " + key + " failed: " + e.getMessage(), e);
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return type == Integer.class || type == int.class ? "a whole number" : "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list of strings";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object of string values";
        }
        return "a " + type.getSimpleName();
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String printable = FileNames.printable(text);
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
