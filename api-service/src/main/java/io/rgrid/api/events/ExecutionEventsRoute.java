package io.rgrid.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.cluster.ClusterResource;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.execution.rest.ExecutionJson;
import io.rgrid.api.stream.OpenStreams;
import io.rgrid.api.stream.SseOutbox;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v1/events}: the dashboard's live feed, a server-sent event stream (the browser's
 * EventSource sends the session cookie). Events:
 * <ul>
 *   <li>{@code execution}: an execution of the caller's project (admin: any) changed; data = the
 *       execution as {@code GET /executions/{id}} shows it;</li>
 *   <li>{@code cluster}: every {@code rgrid.dashboard.cluster-interval} and on connect; data =
 *       {@code {queue, workers, cost}} as their endpoints show them (it also keeps proxies from
 *       closing a quiet stream).</li>
 * </ul>
 * Changes are found every {@code events-poll-interval} (one read serves every open stream), so a
 * stream sees changes whichever api-service instance applied them. Frames go through each
 * stream's bounded {@link SseOutbox}; a client that does not read gets its stream ended with a
 * comment (the browser's EventSource reconnects), and a key holds at most
 * {@code rgrid.streams.max-per-key} streams ({@link OpenStreams}, 429 past it).
 *
 * <p><b>Not missing a late commit.</b> Every change of an execution writes a row of
 * {@code execution_transitions} in the same transaction. Neither its time nor its sequence id is
 * a safe cursor: both are taken before the commit, so a transaction that commits slowly makes its
 * row visible after rows with a later time or a higher id were already read, however long the
 * look-back. The cursor is instead a transaction id: each row stores the id of the transaction
 * that wrote it ({@code tx_id}), and the stream keeps a horizon below which every transaction has
 * ended. Each poll (1) reads the oldest transaction id still running anywhere in the PostgreSQL
 * cluster (the snapshot's xmin), then (2) reads every visible row with {@code tx_id} at or above
 * the old horizon and sends those not sent yet, and (3) moves the horizon up to the xmin of (1). A transaction still open at (1) has an id
 * at or above that xmin, so its rows are read whenever it commits; one that ended before (1) is
 * visible to (2). Rows at or above the horizon are remembered by id until the horizon passes them,
 * so they are sent once even though they are read again; a transaction left open for long only
 * makes that set (and the re-read) bigger, it never holds other changes back.
 */
@Singleton
public class ExecutionEventsRoute {

    /** After authentication ({@code -900}), before the REST layer. */
    public static final int ORDER = -800;
    public static final String PATH = ApiPaths.BASE + "/events";
    private static final Logger LOG = Logger.getLogger(ExecutionEventsRoute.class);
    private static final int MAX_CHANGES_PER_POLL = 1000;
    /** Executions whose last sent version is remembered at most (only to skip repeats; forgetting costs a repeat). */
    private static final int MAX_REMEMBERED = 10_000;

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final TransitionRepository transitions;
    private final ClusterResource cluster;
    private final OpenStreams streams;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    /** What was last sent per execution (its updated_at): several transitions of one change send it once. */
    private final Map<UUID, Instant> sent = new HashMap<>();
    /** Every transition of a transaction with a lower id has been read; null while no stream is open. */
    private Long horizon;
    /** Transitions at or above the horizon already read: their id and transaction id. */
    private final Map<Long, Long> readAbove = new HashMap<>();

    public ExecutionEventsRoute(Transactions tx, ExecutionRepository executions, TransitionRepository transitions,
                                ClusterResource cluster, OpenStreams streams, RgridConfig config) {
        this.streams = streams;
        this.tx = tx;
        this.executions = executions;
        this.transitions = transitions;
        this.cluster = cluster;
    }

    void register(@Observes Router router) {
        router.get(PATH).order(ORDER).handler(context -> {
            Principal principal = Principal.of(context);
            Optional<OpenStreams.Slot> slot = streams.open(context);
            if (slot.isEmpty()) {
                return; // answered 429
            }
            Context vertxContext = context.vertx().getOrCreateContext();
            HttpServerResponse response = context.response();
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream;charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            SseOutbox outbox = slot.get().attach(new SseOutbox(response, vertxContext));
            outbox.offer("retry: 3000\n: rgrid events\n\n");
            Subscriber subscriber = new Subscriber(principal, outbox, slot.get());
            subscribers.add(subscriber);
            response.closeHandler(v -> subscriber.gone());
            context.vertx().executeBlocking(() -> {
                // Before the first event: whatever commits after the client saw it is on the stream.
                startCursor();
                Map<String, Object> summary = clusterSummary(principal.projectScope(), workersAndCost(principal.admin()));
                subscriber.send("cluster", summary);
                return null;
            }, false).onFailure(e -> LOG.debugf("first cluster event not sent: %s", e.getMessage()));
        });
    }

    /** Open streams in this process (for tests and metrics). */
    public int subscribers() {
        return subscribers.size();
    }

    @Scheduled(every = "${rgrid.dashboard.events-poll-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void pollChanges() {
        if (subscribers.isEmpty()) {
            horizon = null;
            readAbove.clear();
            sent.clear();
            return;
        }
        List<ExecutionRecord> changed;
        try {
            changed = tx.read(this::readChanges);
        } catch (RuntimeException e) {
            LOG.debugf("event stream poll failed: %s", e.getMessage());
            return;
        }
        if (sent.size() > MAX_REMEMBERED) {
            sent.clear();
        }
        for (ExecutionRecord row : changed) {
            if (Objects.equals(sent.get(row.id()), row.updatedAt())) {
                continue;
            }
            sent.put(row.id(), row.updatedAt());
            Object view = ExecutionJson.of(row);
            for (Subscriber s : subscribers) {
                if (s.principal.canAccess(row.projectId())) {
                    s.send("execution", view);
                }
            }
        }
    }

    /** Starts the horizon at the oldest running transaction, unless a stream already keeps one. */
    private synchronized void startCursor() {
        if (horizon == null) {
            horizon = tx.read(transitions::commitHorizon);
        }
    }

    /**
     * Steps (1) to (3) of the class comment; the executions whose transitions were new, oldest
     * first. The cursor moves only once everything was read: a failed read is repeated in full.
     */
    private List<ExecutionRecord> readChanges(Connection c) throws SQLException {
        if (horizon == null) {
            horizon = transitions.commitHorizon(c);
        }
        // (1) before (2): a horizon read after the rows could pass a transaction that committed in between.
        long next = transitions.commitHorizon(c);
        List<TransitionRepository.Change> fresh = transitions.committedSince(c, horizon, readAbove.keySet(), MAX_CHANGES_PER_POLL);
        Set<UUID> ids = new LinkedHashSet<>();
        for (TransitionRepository.Change change : fresh) {
            ids.add(change.executionId());
        }
        List<ExecutionRecord> out = new ArrayList<>();
        if (!ids.isEmpty()) {
            Map<UUID, ExecutionRecord> rows = new HashMap<>();
            for (ExecutionRecord row : executions.findAll(c, ids)) {
                rows.put(row.id(), row);
            }
            for (UUID id : ids) {
                ExecutionRecord row = rows.get(id);
                if (row != null) {
                    out.add(row);
                }
            }
        }
        for (TransitionRepository.Change change : fresh) {
            readAbove.put(change.id(), change.txId());
        }
        if (fresh.size() < MAX_CHANGES_PER_POLL) {
            // Everything visible at or above the old horizon was read: move it up (3).
            long moved = Math.max(horizon, next);
            horizon = moved;
            readAbove.values().removeIf(txId -> txId < moved);
        }
        return out;
    }

    @Scheduled(every = "${rgrid.dashboard.cluster-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sendCluster() {
        if (subscribers.isEmpty()) {
            return;
        }
        try {
            // Workers and cost twice at most: as the admin sees them, and with details redacted.
            Map<Boolean, Map<String, Object>> sharedByAdmin = new HashMap<>();
            Map<String, Map<String, Object>> byScope = new HashMap<>();
            for (Subscriber s : subscribers) {
                String scope = s.principal.projectScope();
                s.send("cluster", byScope.computeIfAbsent(scope == null ? "*" : scope,
                        k -> clusterSummary(scope, sharedByAdmin.computeIfAbsent(scope == null, this::workersAndCost))));
            }
        } catch (RuntimeException e) {
            LOG.debugf("cluster event not sent: %s", e.getMessage());
            subscribers.forEach(Subscriber::keepAlive);
        }
    }

    private Map<String, Object> workersAndCost(boolean admin) {
        Map<String, Object> shared = new LinkedHashMap<>();
        shared.put("workers", cluster.workers(false, Instant.now(), admin).items());
        shared.put("cost", cluster.latestCost());
        return shared;
    }

    private Map<String, Object> clusterSummary(String scope, Map<String, Object> shared) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("queue", cluster.queue(scope));
        data.putAll(shared);
        return data;
    }

    /** One open stream. */
    private final class Subscriber {
        private final Principal principal;
        private final SseOutbox outbox;
        private final OpenStreams.Slot slot;

        Subscriber(Principal principal, SseOutbox outbox, OpenStreams.Slot slot) {
            this.principal = principal;
            this.outbox = outbox;
            this.slot = slot;
        }

        void send(String event, Object data) {
            String json;
            try {
                json = Json.mapper().writeValueAsString(data);
            } catch (JsonProcessingException e) {
                LOG.debugf("event %s not encodable: %s", event, e.getMessage());
                return;
            }
            write("event: " + event + "\ndata: " + json + "\n\n");
        }

        void keepAlive() {
            write(": keep-alive\n\n");
        }

        /** The client went away. */
        void gone() {
            subscribers.remove(this);
            outbox.gone();
            slot.close();
        }

        private void write(String frame) {
            if (!outbox.offer(frame)) {
                // A client that does not read: end its stream rather than hold more; EventSource reconnects.
                subscribers.remove(this);
                slot.close();
                outbox.finish(": the client read this stream more slowly than events came; it ends here, reconnect\n\n");
            }
        }
    }
}
