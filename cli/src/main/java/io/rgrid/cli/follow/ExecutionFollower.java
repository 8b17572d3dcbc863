package io.rgrid.cli.follow;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.api.ExecutionView;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Follows an execution to its end on one stream, {@code GET .../logs?follow=true}: its log goes
 * live to stdout, its {@code state} events (the execution as {@code GET /executions/{id}} shows
 * it) are the state changes printed on stderr, and its {@code end} (sent once the execution is
 * terminal) is followed at once by one GET of the final state. While the stream carries the
 * states, the GET is only a safety net every {@value #STREAM_SAFETY_POLL_MILLIS} ms (a change
 * another API instance applied reaches this stream only at the end). Without state events (an
 * older API) the states are polled, and the stream's end still cuts the poll's pause short. While
 * QUEUED, {@code GET /api/v1/queue} says why it waits. When the API has no live stream (400/404),
 * the stored log is printed once the execution ends.
 */
public final class ExecutionFollower {

    private static final long MAX_POLL_MILLIS = 1000;
    /** While the stream carries the states: how often a GET checks them anyway (also the queue check's period). */
    static final long STREAM_SAFETY_POLL_MILLIS = 3000;
    /** Put after the last of the stream's states, once the stream ended whichever way. */
    private static final Object STREAM_OVER = new Object();
    /** How long to keep polling through an unreachable API (a restart) before giving up. */
    private static final Duration OUTAGE_TOLERANCE = Duration.ofSeconds(30);
    /** After the execution ended, how long the live stream gets to deliver its last lines and end event. */
    private static final long STREAM_DRAIN_MILLIS = 10_000;
    /** Tries to fetch what the stream did not print, and the pause before the next (times the try). */
    private static final int LOG_FETCH_ATTEMPTS = 4;
    private static final long LOG_FETCH_BACKOFF_MILLIS = 500;

    private final ApiClient api;
    private final CliContext context;
    private final QueueWait queueWait;
    private final long startNanos;

    private Thread streamThread;
    /** From the stream to the poll: the executions of its state events, then {@link #STREAM_OVER}. */
    private final BlockingQueue<Object> pushed = new LinkedBlockingQueue<>();
    /** The stream sent a state event: it carries the states, and GETs are only a safety net. */
    private volatile boolean streamCarriesStates;
    /** The poll took {@link #STREAM_OVER}: later pauses are plain (a broken stream must not spin). */
    private boolean streamOver;
    private volatile ApiClient.StreamEnd streamEnd;
    private volatile boolean streamPrinted;
    /** Once set, the live stream prints nothing more (the stored log is printed instead). */
    private volatile boolean streamMuted;
    /** UTF-8 bytes the live stream printed, per attempt: exactly the stored log's first bytes. */
    private final Map<Integer, Long> streamedBytes = new ConcurrentHashMap<>();
    /** The stored log's length the stream's end event announced (null: not announced). */
    private volatile Long announcedLogBytes;
    /** The stream's end event: when it arrived, and the script's start and end it carries (null: none yet). */
    private volatile End end;
    /** When the API became unreachable while following (System.nanoTime), or 0. */
    private long outageStart;

    /**
     * @param startNanos {@link System#nanoTime()} when the user's command started; follow lines show time since
     */
    public ExecutionFollower(ApiClient api, CliContext context, long startNanos) {
        this.api = api;
        this.queueWait = new QueueWait(api);
        this.context = context;
        this.startNanos = startNanos;
    }

    /** Polls until the execution is terminal, without a live log; Ctrl-C meanwhile prints how to cancel or resume. */
    public ExecutionView follow(ExecutionView initial) {
        return follow(initial, false);
    }

    /**
     * Polls until the execution is terminal; with {@code liveLog} its log is streamed to stdout meanwhile.
     * Call {@link #printLog(ExecutionView)} afterwards: it prints what the stream did not.
     */
    public ExecutionView follow(ExecutionView initial, boolean liveLog) {
        String id = initial.id().toString();
        Thread hook = context.interactive() ? installInterruptHint(id) : null;
        try {
            if (liveLog) {
                startStream(id);
            }
            ExecutionView terminal = poll(initial);
            drainStream();
            return terminal;
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is already running; nothing to undo.
                }
            }
        }
    }

    private void startStream(String id) {
        streamThread = Thread.ofPlatform().daemon().name("rgrid-log-stream").start(() -> {
            try {
                streamEnd = api.followLogs(id, (event, data) -> {
                    if (event.equals("log") && !streamMuted) {
                        JsonNode text = data.get("text");
                        if (text != null && !text.isNull()) {
                            byte[] bytes = text.asText().getBytes(StandardCharsets.UTF_8);
                            streamedBytes.merge(data.path("attempt").asInt(0), (long) bytes.length, Long::sum);
                            context.out().write(bytes, 0, bytes.length);
                            context.out().flush();
                            streamPrinted = true;
                        }
                    } else if (event.equals("state")) {
                        pushState(data);
                    } else if (event.equals("end")) {
                        end = new End(Instant.now(), instant(data, "startedAt"), instant(data, "finishedAt"));
                        if (data.hasNonNull("logBytes")) {
                            announcedLogBytes = data.get("logBytes").asLong();
                        }
                        pushFinal(data.get("execution"));
                    }
                });
            } catch (CliException e) {
                streamEnd = ApiClient.StreamEnd.BROKEN;
            }
            pushed.add(STREAM_OVER);
            if (streamEnd == ApiClient.StreamEnd.RESUMED) {
                context.err().println(prefix() + " the live log stopped: it was read more slowly than it was written; "
                        + "the rest follows when the execution ends");
            }
        });
    }

    /**
     * The stream's {@code end} event: when this CLI received it, and the script's {@code startedAt}
     * and {@code finishedAt} it carries (null when it never ran, or from an API that does not send them).
     */
    public record End(Instant receivedAt, Instant startedAt, Instant finishedAt) {
    }

    /** The end event of the live stream, or null when there was none (no stream, or it broke). */
    public End end() {
        return end;
    }

    private static Instant instant(JsonNode data, String field) {
        try {
            return data.hasNonNull(field) ? Instant.parse(data.get(field).asText()) : null;
        } catch (DateTimeParseException e) {
            return null; // a timing only: a value this CLI cannot read is left out
        }
    }

    /**
     * The end event's final execution (an API that sends one), for the poll: the run ends on it
     * without another GET. One that is missing, unreadable or not terminal is left to the GET the
     * poll makes when the stream is over.
     */
    private void pushFinal(JsonNode execution) {
        if (execution == null || !execution.isObject()) {
            return;
        }
        try {
            ExecutionView view = Json.mapper().treeToValue(execution, ExecutionView.class);
            if (view.id() != null && view.isTerminal()) {
                pushed.add(view);
            }
        } catch (IOException | IllegalArgumentException e) {
            // the GET after the stream still tells the final state
        }
    }

    /** A state event's execution, for the poll; one that cannot be read is left to the GETs. */
    private void pushState(JsonNode data) {
        try {
            ExecutionView view = Json.mapper().treeToValue(data, ExecutionView.class);
            if (view.id() != null && view.state() != null) {
                streamCarriesStates = true;
                pushed.add(view);
            }
        } catch (IOException | IllegalArgumentException e) {
            // not an execution: the safety poll still sees every state
        }
    }

    private void drainStream() {
        if (streamThread == null) {
            return;
        }
        try {
            streamThread.join(STREAM_DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
        }
        if (streamEnd == null) {
            streamEnd = ApiClient.StreamEnd.BROKEN;
        }
        if (streamEnd != ApiClient.StreamEnd.ENDED) {
            streamMuted = true;
        }
    }

    private ExecutionView poll(ExecutionView initial) {
        ExecutionView current = initial;
        printChange(current);
        long interval = context.pollStartMillis();
        while (!current.isTerminal()) {
            if (current.state() == ExecutionState.QUEUED) {
                queueWait.explain(current, line -> context.err().println(prefix() + " " + line));
            }
            ExecutionView next = awaitPushed(streamCarriesStates && !streamOver ? STREAM_SAFETY_POLL_MILLIS : interval);
            if (next == null) {
                next = fetch(current);
                if (next == null) {
                    interval = MAX_POLL_MILLIS;
                    continue;
                }
            } else if (isOlder(next, current)) {
                continue; // a GET already showed a later state
            }
            if (changed(current, next)) {
                printChange(next);
                interval = context.pollStartMillis();
            } else {
                interval = Math.min(MAX_POLL_MILLIS, interval * 3 / 2);
            }
            current = next;
        }
        return current;
    }

    /** {@code GET} of the execution; null while the API is unreachable, for up to {@link #OUTAGE_TOLERANCE}. */
    private ExecutionView fetch(ExecutionView current) {
        try {
            ExecutionView next = api.get(current.id().toString());
            if (outageStart != 0) {
                context.err().println(prefix() + " API reachable again");
                outageStart = 0;
            }
            return next;
        } catch (CliException e) {
            if (!(e.getCause() instanceof IOException)) {
                throw e;
            }
            long now = System.nanoTime();
            if (outageStart == 0) {
                outageStart = now;
                context.err().println(prefix() + " lost contact with the API; retrying for up to "
                        + OUTAGE_TOLERANCE.toSeconds() + " s");
            } else if (now - outageStart > OUTAGE_TOLERANCE.toNanos()) {
                throw new CliException(e.exitCode(), e.getMessage()
                        + "\nThe execution may still be running: rgrid status " + current.id(), e);
            }
            return null;
        }
    }

    /**
     * Prints on stdout what the live stream did not: the rest of the stored log after what the
     * stream printed (the stream's bytes are exactly the log's first bytes, also when the API ended
     * the stream early with {@code resume}); the whole stored log
     * when there was no stream; after a stream that broke midway, a note on stderr and the whole
     * stored log. Fetches are retried; a log the API says is longer than what could be printed is
     * reported on stderr, never passed over in silence.
     *
     * @return false when the log could not be printed whole ({@code log incomplete} was said)
     */
    public boolean printLog(ExecutionView terminal) {
        if (terminal.attempt() < 1) {
            return true; // never assigned: no log
        }
        Long expected = announcedLogBytes != null ? announcedLogBytes : terminal.logBytes();
        long from;
        if (streamEnd == ApiClient.StreamEnd.ENDED || streamEnd == ApiClient.StreamEnd.RESUMED) {
            from = streamedBytes.getOrDefault(terminal.attempt(), 0L);
        } else {
            if (streamPrinted) {
                context.err().println(prefix() + " the live log was interrupted; the complete stored log follows");
            }
            from = 0;
        }
        if (expected != null && from >= expected) {
            return true;
        }
        String id = terminal.id().toString();
        CliException last = null;
        for (int attempt = 1; attempt <= LOG_FETCH_ATTEMPTS; attempt++) {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            try {
                api.logs(id, terminal.attempt(), from, rest);
                context.out().write(rest.toByteArray(), 0, rest.size());
                context.out().flush();
                from += rest.size();
                if (expected == null || from >= expected) {
                    return true;
                }
                last = null; // got some, not all (the store is behind the report): ask again for the rest
            } catch (CliException e) {
                last = e;
                if (expected == null) {
                    return true; // no length was announced (e.g. the attempt never ran): nothing is owed
                }
            }
            if (attempt < LOG_FETCH_ATTEMPTS) {
                sleep(LOG_FETCH_BACKOFF_MILLIS * attempt);
            }
        }
        context.err().println(prefix() + " log incomplete: printed " + from + " of " + expected + " bytes of attempt "
                + terminal.attempt() + (last == null ? "" : " (" + last.getMessage() + ")") + "; rgrid logs " + id
                + " prints the stored log");
        return false;
    }

    private static boolean changed(ExecutionView before, ExecutionView after) {
        return before.state() != after.state()
                || before.attempt() != after.attempt()
                || !Objects.equals(before.workerId(), after.workerId())
                || !Objects.equals(before.message(), after.message());
    }

    private void printChange(ExecutionView view) {
        context.err().println(prefix() + " " + ExecutionFormat.stateLine(view));
    }

    private String prefix() {
        return ExecutionFormat.elapsed(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private Thread installInterruptHint(String id) {
        Thread hook = new Thread(() -> {
            streamMuted = true;
            context.err().println();
            context.err().println("Stopped following " + id + "; it keeps running on the grid.");
            context.err().println("  cancel it:  rgrid cancel " + id);
            context.err().println("  resume:     rgrid logs -f " + id);
            context.err().flush();
        }, "rgrid-interrupt-hint");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /**
     * The poll's pause: returns a state the stream pushed meanwhile, or null when it is time to GET:
     * after {@code millis}, or at once when the stream ended (its {@code end} comes when the
     * execution is terminal, so that GET sees the end state).
     */
    private ExecutionView awaitPushed(long millis) {
        if (streamThread == null || streamOver) {
            sleep(millis);
            return null;
        }
        Object item;
        try {
            item = pushed.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
        }
        if (item == STREAM_OVER) {
            streamOver = true;
            return null;
        }
        return (ExecutionView) item;
    }

    /** A pushed state older than what the poll already has (the safety GET overtook it). */
    static boolean isOlder(ExecutionView pushed, ExecutionView current) {
        return pushed.updatedAt() != null && current.updatedAt() != null && pushed.updatedAt().isBefore(current.updatedAt());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
        }
    }
}
