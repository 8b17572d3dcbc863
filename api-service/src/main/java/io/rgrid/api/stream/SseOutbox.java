package io.rgrid.api.stream;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayDeque;

/**
 * The frames of one server-sent event stream on their way to a client that may read slowly. Any
 * thread offers frames; the response's event loop writes them only while the connection's write
 * queue has room ({@link HttpServerResponse#writeQueueFull()}) and waits for its drain handler
 * otherwise. What waits here is bounded by {@link #MAX_QUEUED_BYTES}: a frame that does not fit is
 * refused, and the stream's owner ends the stream with a last frame telling the client how to
 * resume ({@link #finish}), so nothing is dropped in silence. Readers of stored text ask
 * {@link #hasRoom()} before each piece and, when there is none, continue from {@link #whenRoom}.
 *
 * <p>So a stream holds at most {@code MAX_QUEUED_BYTES} here plus what the socket's write queue
 * holds (Netty's high-water mark, 64 KiB, plus the frame that crossed it).
 */
public final class SseOutbox {

    /** Most bytes of frames one stream holds while its client does not read. */
    public static final int MAX_QUEUED_BYTES = 1024 * 1024;
    /** Bytes kept free for the frame that ends the stream (an {@code end} or a resume notice). */
    public static final int FINAL_FRAME_RESERVE = 4 * 1024;
    /** A reader of stored text offers its next piece only while less than this is queued. */
    public static final int ROOM_BELOW = 256 * 1024;

    private final HttpServerResponse response;
    private final Context context;
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private long peak;
    private boolean drainScheduled;
    private boolean finishing;
    private boolean gone;
    private Runnable onRoom;

    /** @param context the response's event loop */
    public SseOutbox(HttpServerResponse response, Context context) {
        this.response = response;
        this.context = context;
    }

    /**
     * Queues a frame; false (and nothing queued) when it would take the stream past its bound or
     * the stream is ending: the caller then ends the stream.
     */
    public boolean offer(String frame) {
        Buffer bytes = Buffer.buffer(frame);
        synchronized (this) {
            if (finishing || gone) {
                return false;
            }
            if (queued + bytes.length() > MAX_QUEUED_BYTES - FINAL_FRAME_RESERVE) {
                return false;
            }
            add(bytes);
        }
        scheduleDrain();
        return true;
    }

    /** Queues the stream's last frame (at most {@link #FINAL_FRAME_RESERVE} bytes) and ends the response once all is written. */
    public void finish(String lastFrame) {
        Buffer bytes = Buffer.buffer(lastFrame);
        synchronized (this) {
            if (finishing || gone) {
                return;
            }
            finishing = true;
            if (bytes.length() <= FINAL_FRAME_RESERVE) {
                add(bytes);
            }
        }
        scheduleDrain();
    }

    /** Whether a reader of stored text may offer its next piece. */
    public synchronized boolean hasRoom() {
        return queued < ROOM_BELOW && !gone && !finishing;
    }

    /** Runs {@code action} once, on the event loop, when the queue has drained below {@link #ROOM_BELOW} (or the client left). */
    public void whenRoom(Runnable action) {
        synchronized (this) {
            onRoom = action;
        }
        scheduleDrain();
    }

    /** Whether the client went away (or the response was closed): nothing more can reach it. */
    public synchronized boolean clientGone() {
        return gone;
    }

    /** Bytes waiting for the client now. */
    public synchronized long queued() {
        return queued;
    }

    /** The most bytes that ever waited at once: never above {@link #MAX_QUEUED_BYTES}. */
    public synchronized long peak() {
        return peak;
    }

    /** The client went away: drop what waits. */
    public void gone() {
        Runnable waiting;
        synchronized (this) {
            gone = true;
            queue.clear();
            queued = 0;
            waiting = onRoom;
            onRoom = null;
        }
        if (waiting != null) {
            context.runOnContext(v -> waiting.run());
        }
    }

    private void add(Buffer bytes) {
        queue.add(bytes);
        queued += bytes.length();
        peak = Math.max(peak, queued);
    }

    private void scheduleDrain() {
        synchronized (this) {
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
        }
        context.runOnContext(v -> drain());
    }

    /** On the event loop: writes while the connection takes more, then waits for its drain. */
    private void drain() {
        boolean open = !response.ended() && !response.closed();
        boolean full = false;
        while (open) {
            Buffer next;
            synchronized (this) {
                full = response.writeQueueFull();
                next = full ? null : queue.poll();
                if (next == null) {
                    break;
                }
                queued -= next.length();
            }
            response.write(next);
        }
        Runnable room = null;
        boolean end;
        synchronized (this) {
            drainScheduled = false;
            if (!open) {
                gone = true;
                queue.clear();
                queued = 0;
            }
            if (onRoom != null && (queued < ROOM_BELOW || gone)) {
                room = onRoom;
                onRoom = null;
            }
            end = open && finishing && queue.isEmpty();
            if (open && full && !queue.isEmpty()) {
                drainScheduled = true; // the drain handler continues
                response.drainHandler(v -> {
                    synchronized (this) {
                        drainScheduled = false;
                    }
                    drain();
                });
            }
        }
        if (end) {
            response.end();
        }
        if (room != null) {
            room.run();
        }
    }
}
