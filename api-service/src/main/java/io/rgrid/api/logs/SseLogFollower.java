package io.rgrid.api.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.Json;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.storage.StorageKeys;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One open {@code logs?follow=true} stream. It is registered with {@link LogHub} before the
 * execution's row and stored log are read ({@link #open}), so no chunk can fall between the two;
 * what arrives meanwhile waits until the stored part was sent. Per attempt a {@link LogAssembler}
 * keeps every {@code log} event contiguous with the ones before, so the bytes a client printed are
 * exactly the log's first bytes, and {@code end} (sent after the stored log's tail) carries the
 * stored log's length: a client that printed fewer fetches the rest by a byte range.
 */
final class SseLogFollower implements LogHub.Follower {

    private static final Logger LOG = Logger.getLogger(SseLogFollower.class);
    /** Bytes of the stored log read per piece sent. */
    private static final int STORED_PIECE_BYTES = 64 * 1024;
    /** Chunks that may wait for a gap per attempt; the hub's buffer bounds them in practice. */
    private static final int MAX_HELD_CHUNKS = 10_000;

    private final HttpServerResponse response;
    private final Context context;
    private final UUID executionId;
    private final ObjectStore store;
    private final Consumer<SseLogFollower> onDone;
    private final Map<Integer, LogAssembler> attempts = new HashMap<>();
    /** Until {@link #open} has sent the stored log: chunks and the end wait here, in arrival order. */
    private List<ExecutionLogChunk> waiting = new ArrayList<>();
    private ExecutionRecord waitingEnd;
    private boolean done;

    /** @param onDone called once the stream ended or its client left: forget the follower */
    SseLogFollower(HttpServerResponse response, Context context, UUID executionId, ObjectStore store,
                   Consumer<SseLogFollower> onDone) {
        this.response = response;
        this.context = context;
        this.executionId = executionId;
        this.store = store;
        this.onDone = onDone;
    }

    /**
     * Sends what the store holds of the row's current attempt, then what arrived meanwhile; ends the
     * stream when the row (or a report that arrived meanwhile) is terminal.
     */
    void open(ExecutionRecord row) {
        sendStored(row.attempt(), 0);
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
        }
        if (end != null) {
            end(end);
        } else if (row.state().isTerminal()) {
            end(row);
        }
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

    private void deliver(ExecutionLogChunk chunk) {
        for (LogAssembler.Piece piece : assembler(chunk.attempt()).chunk(chunk)) {
            sendPiece(chunk.attempt(), piece);
        }
    }

    @Override
    public void end(ExecutionRecord row) {
        synchronized (this) {
            if (done) {
                return;
            }
            if (waiting != null) {
                waitingEnd = row;
                return;
            }
        }
        // The final state can be applied before the attempt's last chunks arrive (they travel on
        // another topic). The worker stores the complete log before it reports the outcome, so the
        // stream sends whatever of the stored log it has not sent yet, then ends.
        LogAssembler attempt;
        synchronized (this) {
            attempt = assembler(row.attempt());
        }
        if (attempt.positionKnown()) {
            sendStored(row.attempt(), attempt.sent());
        }
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
            // The stored log's length: a client that printed fewer bytes of this attempt fetches the rest.
            data.put("logBytes", row.logBytes());
            data.put("logLastSeq", row.logLastSeq());
            data.put("sentBytes", attempt.positionKnown() ? attempt.sent() : null);
            send("end", null, data);
            done = true;
        }
        onDone.accept(this);
        context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        });
    }

    /** The stored log of {@code attempt} from byte {@code from}, through the attempt's assembler. */
    private void sendStored(int attempt, long from) {
        Optional<InputStream> stored;
        try {
            stored = store.get(StorageKeys.log(executionId, attempt), from);
        } catch (StorageException e) {
            LOG.debugf("stored log of %s attempt %d not readable: %s", executionId, attempt, e.getMessage());
            return; // the client sees fewer bytes than the end announces and fetches them itself
        }
        if (stored.isEmpty()) {
            return;
        }
        try (InputStream in = stored.get()) {
            Utf8Pieces pieces = new Utf8Pieces(in, STORED_PIECE_BYTES);
            long position = from;
            String text;
            while ((text = pieces.next()) != null) {
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    for (LogAssembler.Piece piece : assembler(attempt).stored(position, text)) {
                        sendPiece(attempt, piece);
                    }
                }
                position += pieces.lastBytes();
            }
        } catch (CharacterCodingException e) {
            LOG.warnf("stored log of %s attempt %d is not UTF-8 at some point; the stream stops short of it", executionId, attempt);
        } catch (IOException | StorageException e) {
            LOG.debugf("reading the stored log of %s attempt %d failed: %s", executionId, attempt, e.getMessage());
        }
    }

    private LogAssembler assembler(int attempt) {
        return attempts.computeIfAbsent(attempt, a -> new LogAssembler(MAX_HELD_CHUNKS));
    }

    private void sendPiece(int attempt, LogAssembler.Piece piece) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("attempt", attempt);
        data.put("stream", piece.stream());
        if (piece.seq() != null) {
            data.put("seq", piece.seq());
        }
        data.put("text", piece.text());
        send("log", piece.seq() == null ? null : attempt + "-" + piece.seq(), data);
    }

    UUID executionId() {
        return executionId;
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

    /** The client went away. */
    void closed() {
        synchronized (this) {
            done = true;
        }
        onDone.accept(this);
    }

    private void send(String event, String id, Map<String, Object> data) {
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

    /** Reads UTF-8 text in pieces that end on character boundaries, telling each piece's byte length. */
    static final class Utf8Pieces {
        private final InputStream in;
        private final byte[] buffer;
        private int carried;
        private long lastBytes;

        Utf8Pieces(InputStream in, int pieceBytes) {
            this.in = in;
            this.buffer = new byte[pieceBytes];
        }

        /** The next piece, or null at the end. */
        String next() throws IOException {
            int n = carried;
            int read;
            while (n < buffer.length && (read = in.read(buffer, n, buffer.length - n)) > 0) {
                n += read;
            }
            if (n == 0) {
                return null;
            }
            int end = n == buffer.length ? characterBoundary(buffer, n) : n;
            String text = StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(buffer, 0, end)).toString();
            carried = n - end;
            System.arraycopy(buffer, end, buffer, 0, carried);
            lastBytes = end;
            return text;
        }

        long lastBytes() {
            return lastBytes;
        }

        /** The last position at or before {@code n} that does not split a UTF-8 sequence. */
        static int characterBoundary(byte[] bytes, int n) {
            int i = n;
            while (i > 0 && i > n - 4 && (bytes[i - 1] & 0xC0) == 0x80) {
                i--; // continuation bytes
            }
            if (i > 0 && (bytes[i - 1] & 0x80) != 0) {
                int lead = bytes[i - 1] & 0xFF;
                int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                return (n - (i - 1)) >= length ? n : i - 1; // a complete sequence, or cut before its lead byte
            }
            return n;
        }
    }
}
