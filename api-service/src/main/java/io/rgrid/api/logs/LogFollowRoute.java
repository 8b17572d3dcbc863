package io.rgrid.api.logs;

import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.DatabaseException;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.error.Problems;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.service.ExecutionService;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.api.stream.OpenStreams;
import io.rgrid.api.stream.SseOutbox;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v1/executions/{id}/logs?follow=true}: a server-sent event stream. First a
 * {@code state} event with the execution as it is (unless it has ended), the stored log of the
 * current attempt (or, while it runs, the chunks this process has buffered), then {@code log}
 * events as chunks arrive and a {@code state} event for each state change this process applies,
 * then one {@code end} event with the final state, the stored log's length and the whole final execution (as GET shows it). The {@code log} events of an attempt are its log's bytes, exactly once,
 * in order ({@link SseLogFollower}, {@link LogAssembler}); a client that printed fewer bytes than
 * {@code logBytes} fetches the rest with {@code Range: bytes=N-}. Served by a Vert.x route so that
 * a follower holds no worker thread while it waits.
 *
 * <p>A client that reads more slowly than the log comes holds at most {@link SseOutbox#MAX_QUEUED_BYTES}
 * here: the stored log is read only as fast as the client takes it, and when live chunks would pass
 * the bound the stream ends with {@code event: resume} and {@code data: {"attempt":1,"sentBytes":N,"reason":"…"}}
 * instead (fetch the rest with {@code Range: bytes=N-} once the execution ended). A key holds at
 * most {@code rgrid.streams.max-per-key} streams ({@link OpenStreams}).
 *
 * <pre>
 * event: state
 * data: {"id":"…","state":"RUNNING","attempt":1,"workerId":"rgrid-worker-ab12cd",…}
 *
 * event: log
 * id: 1-7
 * data: {"attempt":1,"stream":"STDOUT","seq":7,"text":"hello\n"}
 *
 * event: end
 * data: {"id":"…","state":"SUCCEEDED","attempt":1,"exitCode":0,"reason":null,"logBytes":6,"logLastSeq":7,"sentBytes":6,
 *        "execution":{"id":"…","state":"SUCCEEDED",…}}
 * </pre>
 */
@Singleton
public class LogFollowRoute {

    private static final Logger LOG = Logger.getLogger(LogFollowRoute.class);
    /** After authentication ({@code -900}), before the REST layer. */
    public static final int ORDER = -800;

    private final ExecutionService executions;
    private final ExecutionRepository repository;
    private final Transactions tx;
    private final ObjectStore store;
    private final LogHub hub;
    private final OpenStreams streams;
    private final long logMaxBytes;
    private final Map<UUID, Set<SseLogFollower>> open = new ConcurrentHashMap<>();

    public LogFollowRoute(ExecutionService executions, ExecutionRepository repository, Transactions tx, ObjectStore store,
                          LogHub hub, OpenStreams streams, RgridConfig config) {
        this.executions = executions;
        this.repository = repository;
        this.tx = tx;
        this.store = store;
        this.hub = hub;
        this.streams = streams;
        this.logMaxBytes = config.logs().maxBytes();
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
            Optional<OpenStreams.Slot> slot = streams.open(context);
            if (slot.isEmpty()) {
                return; // answered 429
            }
            context.vertx().executeBlocking(() -> {
                start(context, vertxContext, principal, id, slot.get());
                return null;
            }, false).onFailure(failure -> {
                slot.get().close();
                vertxContext.runOnContext(v -> fail(context, failure));
            });
        });
    }

    private void start(RoutingContext context, Context vertxContext, Principal principal, String id, OpenStreams.Slot slot) {
        UUID executionId;
        try {
            executionId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            slot.close();
            executions.find(principal, id); // answers what is wrong with the id
            return;
        }
        SseOutbox outbox = slot.attach(new SseOutbox(context.response(), vertxContext));
        SseLogFollower follower = new SseLogFollower(outbox, context.vertx(), executionId, store,
                attempt -> executions.runOf(executionId, attempt), logMaxBytes, f -> {
            slot.close();
            forget(f);
        });
        // Subscribed before the row and the stored log are read: a chunk that arrives in between
        // waits in the follower instead of falling between the two.
        hub.follow(executionId, follower);
        ExecutionRecord row;
        try {
            row = executions.find(principal, id);
        } catch (RuntimeException e) {
            hub.unfollow(executionId, follower);
            throw e;
        }
        vertxContext.runOnContext(v -> {
            HttpServerResponse response = context.response();
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream;charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            response.closeHandler(x -> follower.closed());
            if (response.closed()) {
                follower.closed(); // the client left before the handler was there
            }
        });
        outbox.offer(": following execution " + row.id() + "\n\n");
        open.computeIfAbsent(executionId, k -> ConcurrentHashMap.newKeySet()).add(follower);
        follower.open(row);
    }

    private void forget(SseLogFollower follower) {
        UUID executionId = follower.executionId();
        hub.unfollow(executionId, follower);
        open.computeIfPresent(executionId, (k, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
    }

    private static void fail(RoutingContext context, Throwable failure) {
        Problem problem;
        if (failure instanceof ApiException api) {
            problem = api.toProblem();
        } else if (failure instanceof StorageException || failure instanceof DatabaseException) {
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
        open.forEach((id, set) -> set.forEach(SseLogFollower::keepAlive));
    }
}
