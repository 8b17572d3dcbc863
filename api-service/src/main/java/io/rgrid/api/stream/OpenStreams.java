package io.rgrid.api.stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.Problems;
import io.rgrid.api.session.SessionService;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server-sent event streams open in this process ({@code logs?follow=true} and
 * {@code /api/v1/events}): at most {@code rgrid.streams.max-per-key} per credential (an API key,
 * or a dashboard session), the next answered 429 {@code TOO_MANY_STREAMS} with {@code Retry-After};
 * and the bytes their {@link SseOutbox outboxes} hold, as the gauges {@code rgrid_streams_open}
 * and {@code rgrid_streams_queued_bytes}.
 */
@Singleton
public class OpenStreams {

    /** What a refused client is told to wait before it tries again. */
    static final int RETRY_AFTER_SECONDS = 10;

    private final int maxPerKey;
    private final Map<String, Integer> byKey = new HashMap<>();
    private final Set<Slot> open = ConcurrentHashMap.newKeySet();
    private volatile long peakQueued;

    public OpenStreams(RgridConfig config, MeterRegistry registry) {
        this.maxPerKey = config.streams().maxPerKey();
        Gauge.builder("rgrid.streams.open", open, Set::size)
                .description("Server-sent event streams open (log follows and dashboard events)").register(registry);
        Gauge.builder("rgrid.streams.queued.bytes", this, OpenStreams::queuedBytes)
                .description("Bytes of SSE frames waiting for slow clients, all streams together").register(registry);
    }

    /** One open stream; {@link #close()} gives its place back (more than once is harmless). */
    public final class Slot implements AutoCloseable {
        private final String key;
        private volatile SseOutbox outbox;
        private boolean closed;

        private Slot(String key) {
            this.key = key;
        }

        /** The stream's outbox, counted in the gauges from now on. */
        public SseOutbox attach(SseOutbox outbox) {
            this.outbox = outbox;
            return outbox;
        }

        @Override
        public void close() {
            synchronized (OpenStreams.this) {
                if (closed) {
                    return;
                }
                closed = true;
                byKey.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
            }
            SseOutbox o = outbox;
            if (o != null) {
                peakQueued = Math.max(peakQueued, o.peak());
            }
            open.remove(this);
        }
    }

    /**
     * A place for one more stream of the request's credential, or empty after answering 429
     * {@code TOO_MANY_STREAMS} (the request is then done).
     */
    public Optional<Slot> open(RoutingContext context) {
        String key = keyOf(context);
        Slot slot;
        synchronized (this) {
            int n = byKey.getOrDefault(key, 0);
            if (n >= maxPerKey) {
                slot = null;
            } else {
                byKey.put(key, n + 1);
                slot = new Slot(key);
            }
        }
        if (slot == null) {
            Problem problem = Problem.of(ErrorCode.TOO_MANY_STREAMS, "this key already has " + maxPerKey
                    + " open streams (rgrid.streams.max-per-key); close one (or wait for a follow to end) and try again")
                    .withInstance(context.request().path());
            context.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS))
                    .end(Buffer.buffer(Problems.bytes(problem)));
            return Optional.empty();
        }
        open.add(slot);
        return Optional.of(slot);
    }

    /** Streams open now. */
    public int count() {
        return open.size();
    }

    /** Bytes waiting in every open stream's outbox now. */
    public long queuedBytes() {
        long sum = 0;
        for (Slot s : open) {
            SseOutbox o = s.outbox;
            sum += o == null ? 0 : o.queued();
        }
        return sum;
    }

    /** The most bytes one stream's outbox ever held (streams open now and closed ones). */
    public long peakQueuedBytesPerStream() {
        long peak = peakQueued;
        for (Slot s : open) {
            SseOutbox o = s.outbox;
            peak = Math.max(peak, o == null ? 0 : o.peak());
        }
        return peak;
    }

    /** The credential a stream counts against: the dashboard session, or the bearer key (by its digest, never kept in clear). */
    private static String keyOf(RoutingContext context) {
        Optional<SessionService.Session> session = SessionService.of(context);
        if (session.isPresent()) {
            return "session:" + session.get().idHash();
        }
        String token = Auth.bearerToken(context.request().getHeader(Auth.HEADER));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((token == null ? "" : token).getBytes(StandardCharsets.UTF_8));
            return "key:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
