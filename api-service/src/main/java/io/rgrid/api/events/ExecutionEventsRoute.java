package io.rgrid.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.cluster.ClusterResource;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.db.Transactions;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.rest.ExecutionJson;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Changes are found by reading the executions table every {@code events-poll-interval} (one query
 * for every open stream), so a stream sees changes whichever api-service instance applied them.
 * Rows committed late with an older {@code updated_at} are caught by re-reading a short overlap
 * and sending only what changed since it was last sent.
 */
@Singleton
public class ExecutionEventsRoute {

    /** After authentication ({@code -900}), before the REST layer. */
    public static final int ORDER = -800;
    public static final String PATH = ApiPaths.BASE + "/events";
    private static final Logger LOG = Logger.getLogger(ExecutionEventsRoute.class);
    private static final Duration OVERLAP = Duration.ofSeconds(5);
    private static final int MAX_CHANGES_PER_POLL = 1000;

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final ClusterResource cluster;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    /** What was last sent per execution (its updated_at), for changes still inside the overlap. */
    private final Map<UUID, Instant> sent = new HashMap<>();
    private Instant since = Instant.now();

    public ExecutionEventsRoute(Transactions tx, ExecutionRepository executions, ClusterResource cluster, RgridConfig config) {
        this.tx = tx;
        this.executions = executions;
        this.cluster = cluster;
    }

    void register(@Observes Router router) {
        router.get(PATH).order(ORDER).handler(context -> {
            Principal principal = Principal.of(context);
            Context vertxContext = context.vertx().getOrCreateContext();
            HttpServerResponse response = context.response();
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream;charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            response.write("retry: 3000\n: rgrid events\n\n");
            Subscriber subscriber = new Subscriber(principal, response, vertxContext);
            subscribers.add(subscriber);
            response.closeHandler(v -> subscribers.remove(subscriber));
            context.vertx().executeBlocking(() -> {
                Map<String, Object> summary = clusterSummary(principal.projectScope(), workersAndCost());
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
        Instant pollStart = Instant.now();
        if (subscribers.isEmpty()) {
            since = pollStart;
            sent.clear();
            return;
        }
        List<ExecutionRecord> changed;
        try {
            changed = tx.read(c -> executions.changedSince(c, since.minus(OVERLAP), MAX_CHANGES_PER_POLL));
        } catch (RuntimeException e) {
            LOG.debugf("event stream poll failed: %s", e.getMessage());
            return;
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
        since = pollStart;
        Instant forget = since.minus(OVERLAP).minus(OVERLAP);
        sent.values().removeIf(at -> at.isBefore(forget));
    }

    @Scheduled(every = "${rgrid.dashboard.cluster-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sendCluster() {
        if (subscribers.isEmpty()) {
            return;
        }
        try {
            Map<String, Object> shared = workersAndCost();
            Map<String, Map<String, Object>> byScope = new HashMap<>();
            for (Subscriber s : subscribers) {
                String scope = s.principal.projectScope();
                s.send("cluster", byScope.computeIfAbsent(scope == null ? "*" : scope, k -> clusterSummary(scope, shared)));
            }
        } catch (RuntimeException e) {
            LOG.debugf("cluster event not sent: %s", e.getMessage());
            subscribers.forEach(Subscriber::keepAlive);
        }
    }

    private Map<String, Object> workersAndCost() {
        Map<String, Object> shared = new LinkedHashMap<>();
        shared.put("workers", cluster.workers(false, Instant.now()).items());
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
        private final HttpServerResponse response;
        private final Context context;

        Subscriber(Principal principal, HttpServerResponse response, Context context) {
            this.principal = principal;
            this.response = response;
            this.context = context;
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

        private void write(String frame) {
            context.runOnContext(v -> {
                if (response.ended() || response.closed()) {
                    subscribers.remove(this);
                } else if (response.writeQueueFull()) {
                    // A client that does not read: drop it rather than buffer without bound; EventSource reconnects.
                    subscribers.remove(this);
                    response.reset();
                } else {
                    response.write(frame);
                }
            });
        }
    }
}
