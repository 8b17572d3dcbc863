package io.rgrid.api.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.db.Transactions;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.error.Problems;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.service.ExecutionService;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.storage.StorageKeys;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /api/v1/executions/{id}/logs?follow=true}: a server-sent event stream. First the
 * stored log of the current attempt (or, while it runs, the chunks this process has buffered),
 * then {@code log} events as chunks arrive, then one {@code end} event with the final state.
 * Served by a Vert.x route so that a follower holds no worker thread while it waits.
 *
 * <pre>
 * event: log
 * id: 1-7
 * data: {"attempt":1,"stream":"STDOUT","seq":7,"text":"hello\n"}
 *
 * event: end
 * data: {"id":"…","state":"SUCCEEDED","attempt":1,"exitCode":0,"reason":null}
 * </pre>
 */
@Singleton
public class LogFollowRoute {

    private static final Logger LOG = Logger.getLogger(LogFollowRoute.class);
    /** After authentication ({@code -900}), before the REST layer. */
    public static final int ORDER = -800;
    private static final int STORED_PIECE_CHARS = 16 * 1024;

    private final ExecutionService executions;
    private final ExecutionRepository repository;
    private final Transactions tx;
    private final ObjectStore store;
    private final LogHub hub;
    private final Map<UUID, java.util.Set<SseFollower>> open = new java.util.concurrent.ConcurrentHashMap<>();

    public LogFollowRoute(ExecutionService executions, ExecutionRepository repository, Transactions tx, ObjectStore store,
                          LogHub hub) {
        this.executions = executions;
        this.repository = repository;
        this.tx = tx;
        this.store = store;
        this.hub = hub;
    }

    void register(@Observes Router router) {
        router.get(ApiPaths.EXECUTIONS + "/:id/logs").order(ORDER).handler(context -> {
            if (!"true".equalsIgnoreCase(context.queryParams().get("follow"))) {
                context.next();
                return;
            }
            Context vertxContext = context.vertx().getOrCreateContext();
            Principal principal = Principal.of(context);
            String id = context.pathParam("id");
            context.vertx().executeBlocking(() -> {
                start(context, vertxContext, principal, id);
                return null;
            }, false).onFailure(failure -> vertxContext.runOnContext(v -> fail(context, failure)));
        });
    }

    private void start(RoutingContext context, Context vertxContext, Principal principal, String id) {
        ExecutionRecord row = executions.find(principal, id);
        Optional<InputStream> stored = store.get(StorageKeys.log(row.id(), row.attempt()));
        SseFollower follower = new SseFollower(context.response(), vertxContext, row.id());
        vertxContext.runOnContext(v -> {
            HttpServerResponse response = context.response();
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream;charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            response.write(": following execution " + row.id() + "\n\n");
            response.closeHandler(x -> follower.closed());
        });
        if (stored.isPresent()) {
            follower.storedAttempt = row.attempt();
            try (Reader reader = new InputStreamReader(stored.get(), StandardCharsets.UTF_8)) {
                char[] piece = new char[STORED_PIECE_CHARS];
                int n;
                while ((n = reader.read(piece)) > 0) {
                    follower.send("log", null, Map.of("attempt", row.attempt(), "stream", "STORED", "text", new String(piece, 0, n)));
                    follower.storedChars += n;
                }
            } catch (IOException e) {
                throw new StorageException("reading the stored log failed: " + e.getMessage(), e);
            }
        }
        if (row.state().isTerminal()) {
            follower.end(row);
            return;
        }
        open.computeIfAbsent(row.id(), k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(follower);
        hub.follow(row.id(), follower);
    }

    private static void fail(RoutingContext context, Throwable failure) {
        Problem problem;
        if (failure instanceof ApiException api) {
            problem = api.toProblem();
        } else if (failure instanceof StorageException || failure instanceof io.rgrid.api.db.DatabaseException) {
            problem = Problem.of(ErrorCode.DEPENDENCY_UNAVAILABLE, "a dependency is unavailable; try again");
        } else {
            LOG.errorf(failure, "unexpected failure following %s", context.request().path());
            problem = Problem.of(ErrorCode.INTERNAL, "internal error; the server log has the details");
        }
        if (context.response().headWritten()) {
            context.response().end();
            return;
        }
        context.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Buffer.buffer(Problems.bytes(problem.withInstance(context.request().path()))));
    }

    /**
     * Ends streams whose execution ended while no report reached this process (another instance
     * applied it), and keeps idle connections open through proxies with an SSE comment.
     */
    @Scheduled(every = "${rgrid.logs.state-check-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void checkFollowed() {
        for (UUID id : hub.followed()) {
            try {
                Optional<ExecutionRecord> row = tx.read(c -> repository.find(c, id));
                if (row.isPresent() && row.get().state().isTerminal()) {
                    hub.ended(row.get());
                }
            } catch (RuntimeException e) {
                LOG.debugf("state check of followed execution %s failed: %s", id, e.getMessage());
            }
        }
        open.forEach((id, set) -> set.forEach(SseFollower::keepAlive));
    }

    /** One open stream; de-duplicates chunks by (attempt, seq). */
    private final class SseFollower implements LogHub.Follower {
        private final HttpServerResponse response;
        private final Context context;
        private final UUID executionId;
        /** Per attempt: the next chunk seq expected, and how many chars of its log this stream has covered. */
        private final Map<Integer, Long> nextSeq = new HashMap<>();
        private final Map<Integer, Long> covered = new HashMap<>();
        /** Attempts whose chunks arrived with a gap: where they sit in the log is no longer known. */
        private final java.util.Set<Integer> gaps = new java.util.HashSet<>();
        volatile int storedAttempt = -1;
        /** Chars of the stored log sent when the stream opened (the worker stores partial logs while it runs). */
        volatile long storedChars;
        private volatile boolean done;

        SseFollower(HttpServerResponse response, Context context, UUID executionId) {
            this.response = response;
            this.context = context;
            this.executionId = executionId;
        }

        @Override
        public synchronized void chunk(ExecutionLogChunk chunk) {
            if (done) {
                return;
            }
            int attempt = chunk.attempt();
            long expected = nextSeq.getOrDefault(attempt, 0L);
            if (chunk.seq() < expected) {
                return; // delivered twice (buffer replay and live, or a Kafka redelivery)
            }
            if (chunk.seq() > expected) {
                gaps.add(attempt);
            }
            nextSeq.put(attempt, chunk.seq() + 1);
            String text = chunk.text() == null ? "" : chunk.text();
            long start = covered.getOrDefault(attempt, 0L);
            covered.put(attempt, start + text.length());
            // The chunks of an attempt, in seq order, spell out its stored log; skip what the
            // stored log sent when the stream opened already covered.
            if (attempt == storedAttempt && !gaps.contains(attempt)) {
                if (start + text.length() <= storedChars) {
                    return;
                }
                if (start < storedChars) {
                    text = text.substring((int) (storedChars - start));
                }
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("attempt", attempt);
            data.put("stream", chunk.stream() == null ? null : chunk.stream().name());
            data.put("seq", chunk.seq());
            data.put("text", text);
            send("log", chunk.attempt() + "-" + chunk.seq(), data);
        }

        @Override
        public synchronized void end(ExecutionRecord row) {
            if (done) {
                return;
            }
            sendStoredTail(row);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", row.id().toString());
            data.put("state", row.state().name());
            data.put("attempt", row.attempt());
            data.put("exitCode", row.exitCode());
            data.put("reason", row.reason() == null ? null : row.reason().name());
            send("end", null, data);
            done = true;
            forget();
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            });
        }

        /**
         * The final state can be applied before the attempt's last chunks arrive (they travel on
         * another topic). The worker stores the complete log before it reports the outcome, so the
         * stream sends whatever of the stored log it has not covered yet, then ends.
         */
        private void sendStoredTail(ExecutionRecord row) {
            int attempt = row.attempt();
            if (gaps.contains(attempt)) {
                return; // where this stream stands in the log is unknown; better short than doubled
            }
            long sent = Math.max(covered.getOrDefault(attempt, 0L), attempt == storedAttempt ? storedChars : 0L);
            Optional<InputStream> stored;
            try {
                stored = store.get(StorageKeys.log(row.id(), attempt));
            } catch (RuntimeException e) {
                return; // the stored log stays available at GET .../logs
            }
            if (stored.isEmpty()) {
                return;
            }
            try (Reader reader = new InputStreamReader(stored.get(), StandardCharsets.UTF_8)) {
                long skipped = reader.skip(sent);
                if (skipped < sent) {
                    return;
                }
                char[] piece = new char[STORED_PIECE_CHARS];
                int n;
                while ((n = reader.read(piece)) > 0) {
                    send("log", null, Map.of("attempt", attempt, "stream", "STORED", "text", new String(piece, 0, n)));
                }
            } catch (IOException e) {
                LOG.debugf("reading the stored log of %s for its tail failed: %s", row.id(), e.getMessage());
            }
        }

        void keepAlive() {
            if (!done) {
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.write(": keep-alive\n\n");
                    }
                });
            }
        }

        void closed() {
            done = true;
            forget();
            hub.unfollow(executionId, this);
        }

        private void forget() {
            open.computeIfPresent(executionId, (k, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }

        void send(String event, String id, Map<String, Object> data) {
            String json;
            try {
                json = Json.mapper().writeValueAsString(data);
            } catch (JsonProcessingException e) {
                return;
            }
            StringBuilder frame = new StringBuilder("event: ").append(event).append('\n');
            if (id != null) {
                frame.append("id: ").append(id).append('\n');
            }
            frame.append("data: ").append(json).append("\n\n");
            String text = frame.toString();
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.write(text);
                }
            });
        }
    }
}
