package io.rgrid.api.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.rest.ExecutionJson;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.api.stream.SseOutbox;
import io.rgrid.model.Json;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.db.DatabaseException;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One open {@code logs?follow=true} stream. It is registered with {@link LogHub} before the
 * execution's row and stored log are read ({@link #open}), so no chunk can fall between the two;
 * what arrives meanwhile waits until the stored part was sent. Per attempt a {@link LogAssembler}
 * keeps every {@code log} event contiguous with the ones before, so the bytes a client printed are
 * exactly the log's first bytes, and {@code end} (sent after the stored log's tail) carries the
 * stored log's length: a client that printed fewer fetches the rest by a byte range.
 *
 * <p><b>States.</b> A {@code state} event (data: the execution as {@code GET /executions/{id}}
 * shows it) comes first, with the row as read at {@link #open} unless it has ended, then one for
 * each state change this process applies that does not end the execution (the end is
 * {@code end}). A change applied while the stored log is still being sent waits until it was,
 * and is sent only when it is newer than the row the stream started with.
 *
 * <p><b>A slow client.</b> Frames go through the stream's {@link SseOutbox}. The stored log is read
 * a piece at a time on a worker thread and only while the outbox has room; otherwise reading stops
 * (holding no thread) and continues when the client has drained it. A live chunk that does not fit
 * ends the stream with a {@code resume} event naming how many bytes of the attempt were sent, so
 * the client fetches the rest with {@code Range: bytes=N-} once the execution ended.
 */
final class SseLogFollower implements LogHub.Follower {

    private static final Logger LOG = Logger.getLogger(SseLogFollower.class);
    /** Bytes of the stored log read per piece sent. */
    private static final int STORED_PIECE_BYTES = 64 * 1024;
    /** Chunks that may wait for a gap per attempt; the hub's buffer bounds them in practice. */
    private static final int MAX_HELD_CHUNKS = 10_000;

    private final SseOutbox outbox;
    private final Vertx vertx;
    private final UUID executionId;
    private final ObjectStore store;
    /** Attempt → the run whose stored log counts (null: the layout before runs); reads the database. */
    private final IntFunction<String> runs;
    private final long logMaxBytes;
    private final Consumer<SseLogFollower> onDone;
    private final Map<Integer, LogAssembler> attempts = new HashMap<>();
    /** UTF-8 bytes of {@code log} events queued per attempt: what the client will have printed. */
    private final Map<Integer, Long> queuedBytes = new HashMap<>();
    /** Until {@link #open} has sent the stored log: chunks and the end wait here, in arrival order. */
    private List<ExecutionLogChunk> waiting = new ArrayList<>();
    private ExecutionRecord waitingEnd;
    /** The latest state change that arrived while the stored part was being sent. */
    private ExecutionRecord waitingState;
    private boolean ending;
    private boolean done;

    /** @param onDone called once the stream ended or its client left: forget the follower */
    SseLogFollower(SseOutbox outbox, Vertx vertx, UUID executionId, ObjectStore store, IntFunction<String> runs,
                   long logMaxBytes, Consumer<SseLogFollower> onDone) {
        this.outbox = outbox;
        this.vertx = vertx;
        this.executionId = executionId;
        this.store = store;
        this.runs = runs;
        this.logMaxBytes = logMaxBytes;
        this.onDone = onDone;
    }

    /**
     * Sends what the store holds of the row's current attempt, then what arrived meanwhile; ends the
     * stream when the row (or a report that arrived meanwhile) is terminal. On a worker thread.
     */
    void open(ExecutionRecord row) {
        synchronized (this) {
            sendState(row);
        }
        pump(row.attempt(), part(row.attempt(), 0), () -> {
            List<ExecutionLogChunk> arrived;
            ExecutionRecord end;
            synchronized (this) {
                arrived = waiting;
                end = waitingEnd;
                waiting = null;
                waitingEnd = null;
                for (ExecutionLogChunk chunk : arrived) {
                    deliver(chunk);
                }
                if (waitingState != null && waitingState.updatedAt().isAfter(row.updatedAt())) {
                    sendState(waitingState);
                }
                waitingState = null;
            }
            if (end != null) {
                end(end);
            } else if (row.state().isTerminal()) {
                end(row);
            }
        });
    }

    @Override
    public void chunk(ExecutionLogChunk chunk) {
        synchronized (this) {
            if (done) {
                return;
            }
            if (waiting != null) {
                waiting.add(chunk);
                return;
            }
            deliver(chunk);
        }
    }

    @Override
    public void state(ExecutionRecord row) {
        synchronized (this) {
            if (done || ending) {
                return;
            }
            if (waiting != null) {
                if (waitingState == null || row.updatedAt().isAfter(waitingState.updatedAt())) {
                    waitingState = row;
                }
                return;
            }
            sendState(row);
        }
    }

    /**
     * Under the follower's lock. A state event the outbox has no room for is left out: it is not
     * part of the log, and the stream's end (or a GET) tells the final state anyway.
     */
    private void sendState(ExecutionRecord row) {
        if (!done && !row.state().isTerminal()) {
            outbox.offer(frame("state", null, ExecutionJson.of(row)));
        }
    }

    private void deliver(ExecutionLogChunk chunk) {
        for (LogAssembler.Piece piece : assembler(chunk.attempt()).chunk(chunk)) {
            sendPiece(chunk.attempt(), piece);
        }
    }

    @Override
    public void end(ExecutionRecord row) {
        LogAssembler attempt;
        synchronized (this) {
            if (done || ending) {
                return;
            }
            if (waiting != null) {
                waitingEnd = row;
                return;
            }
            ending = true;
            attempt = assembler(row.attempt());
        }
        // The final state can be applied before the attempt's last chunks arrive (they travel on
        // another topic). The worker stores the complete log before it reports the outcome, so the
        // stream sends whatever of the stored log it has not sent yet, then ends. The store is read
        // on a worker thread: this may be a consumer's thread, which no client may hold up.
        StoredLogPart tail;
        synchronized (this) {
            tail = attempt.positionKnown() ? part(row.attempt(), attempt.sent()) : null;
        }
        Runnable sendEnd = () -> sendEnd(row, attempt);
        if (tail == null) {
            sendEnd.run();
        } else {
            vertx.executeBlocking(() -> {
                pump(row.attempt(), tail, sendEnd);
                return null;
            }, false);
        }
    }

    private void sendEnd(ExecutionRecord row, LogAssembler attempt) {
        synchronized (this) {
            if (done) {
                return;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", row.id().toString());
            data.put("state", row.state().name());
            data.put("attempt", row.attempt());
            data.put("exitCode", row.exitCode());
            data.put("reason", row.reason() == null ? null : row.reason().name());
            // When the script started and ended, as GET shows them (the database keeps microseconds; the
            // applied report may hold nanoseconds): a client times its stages without another call.
            data.put("startedAt", micros(row.startedAt()));
            data.put("finishedAt", micros(row.finishedAt()));
            // The stored log's length: a client that printed fewer bytes of this attempt fetches the rest.
            data.put("logBytes", row.logBytes());
            data.put("logLastSeq", row.logLastSeq());
            data.put("sentBytes", attempt.positionKnown() ? attempt.sent() : null);
            // The whole final execution as GET shows it (the fields above are also in it, kept for
            // clients that read only them): a client ends on this event without another GET.
            data.put("execution", finalView(row));
            outbox.finish(frame("end", null, data));
            done = true;
        }
        onDone.accept(this);
    }

    /** {@link ExecutionJson#of} with its times as GET shows them: the applied report may hold nanoseconds. */
    private static ObjectNode finalView(ExecutionRecord row) {
        ObjectNode view = ExecutionJson.of(row);
        putMicros(view, "createdAt", row.createdAt());
        putMicros(view, "updatedAt", row.updatedAt());
        putMicros(view, "startedAt", row.startedAt());
        putMicros(view, "finishedAt", row.finishedAt());
        return view;
    }

    private static void putMicros(ObjectNode view, String field, Instant instant) {
        if (instant != null) {
            view.put(field, micros(instant));
        }
    }

    /**
     * The instant as the database stores it: the JDBC driver sends microseconds, rounding the
     * nanoseconds half up (pgjdbc's TimestampUtils), so truncating would be 1 µs early half the time.
     */
    private static String micros(Instant instant) {
        return instant == null ? null : instant.plusNanos(500).truncatedTo(ChronoUnit.MICROS).toString();
    }

    /**
     * The attempt's stored log from {@code from} on. Its run is looked up when the part is first
     * read (on a worker thread, after the report that ended the attempt when this is the tail).
     */
    private StoredLogPart part(int attempt, long from) {
        String[] key = new String[1];
        return new StoredLogPart(offset -> {
            if (key[0] == null) {
                try {
                    key[0] = StorageKeys.log(executionId, attempt, runs.apply(attempt));
                } catch (DatabaseException e) {
                    throw new StorageException("the run of attempt " + attempt + " could not be read", e);
                }
            }
            return store.get(key[0], offset);
        }, from, logMaxBytes, STORED_PIECE_BYTES);
    }

    /**
     * Sends the stored part through the attempt's assembler while the outbox has room, then runs
     * {@code then}. Without room it returns, and goes on on a worker thread once there is. A part
     * that cannot be read is left short: the client sees fewer bytes than the end announces and
     * fetches them itself.
     */
    private void pump(int attempt, StoredLogPart part, Runnable then) {
        try {
            String text;
            while (true) {
                synchronized (this) {
                    if (done) {
                        part.close();
                        return;
                    }
                }
                if (outbox.clientGone()) {
                    part.close();
                    closed();
                    return;
                }
                if (!outbox.hasRoom()) {
                    outbox.whenRoom(() -> vertx.executeBlocking(() -> {
                        pump(attempt, part, then);
                        return null;
                    }, false));
                    return;
                }
                if ((text = part.next()) == null) {
                    break;
                }
                synchronized (this) {
                    for (LogAssembler.Piece piece : assembler(attempt).stored(part.position(), text)) {
                        sendPiece(attempt, piece);
                    }
                }
                part.advance();
            }
        } catch (CharacterCodingException e) {
            LOG.warnf("stored log of %s attempt %d is not UTF-8 at some point; the stream stops short of it", executionId, attempt);
        } catch (IOException | StorageException e) {
            LOG.debugf("reading the stored log of %s attempt %d failed: %s", executionId, attempt, e.getMessage());
        }
        part.close();
        then.run();
    }

    private LogAssembler assembler(int attempt) {
        return attempts.computeIfAbsent(attempt, a -> new LogAssembler(MAX_HELD_CHUNKS));
    }

    /** Under the follower's lock. */
    private void sendPiece(int attempt, LogAssembler.Piece piece) {
        if (done) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("attempt", attempt);
        data.put("stream", piece.stream());
        if (piece.seq() != null) {
            data.put("seq", piece.seq());
        }
        data.put("text", piece.text());
        if (outbox.offer(frame("log", piece.seq() == null ? null : attempt + "-" + piece.seq(), data))) {
            queuedBytes.merge(attempt, (long) piece.text().getBytes(StandardCharsets.UTF_8).length, Long::sum);
        } else {
            cut(attempt);
        }
    }

    /**
     * The client reads slower than the log comes: end the stream rather than hold more, telling the
     * client where it stands. Under the follower's lock.
     */
    private void cut(int attempt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("attempt", attempt);
        // Exactly the log's first bytes were sent unless the attempt's chunks carry no offsets.
        Long sent = assembler(attempt).positionKnown() ? queuedBytes.getOrDefault(attempt, 0L) : null;
        data.put("sentBytes", sent);
        data.put("reason", "the client read the stream more slowly than the log was written; once the execution "
                + "ended, fetch the rest of the log with Range: bytes=" + (sent == null ? 0 : sent) + "-");
        outbox.finish(frame("resume", null, data));
        done = true;
        LOG.debugf("follow of %s ended: its client read too slowly (%d bytes queued)", executionId, outbox.queued());
        vertx.runOnContext(v -> onDone.accept(this)); // outside the lock
    }

    UUID executionId() {
        return executionId;
    }

    void keepAlive() {
        synchronized (this) {
            if (done) {
                return;
            }
        }
        if (!outbox.offer(": keep-alive\n\n") && outbox.clientGone()) {
            closed(); // refused while much waits (the connection is not idle then), or because the client left
        }
    }

    /** The client went away. */
    void closed() {
        boolean wasDone;
        synchronized (this) {
            wasDone = done;
            done = true;
        }
        outbox.gone();
        if (!wasDone) {
            onDone.accept(this);
        }
    }

    private static String frame(String event, String id, Object data) {
        String json;
        try {
            json = Json.mapper().writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("log event not encodable", e);
        }
        StringBuilder frame = new StringBuilder("event: ").append(event).append('\n');
        if (id != null) {
            frame.append("id: ").append(id).append('\n');
        }
        return frame.append("data: ").append(json).append("\n\n").toString();
    }
}
