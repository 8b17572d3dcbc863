package io.rgrid.cli.follow;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.CliContext;
import io.rgrid.cli.CliException;
import io.rgrid.cli.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ExecutionView;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Follows an execution to its end: polls the API for state changes (printed on stderr), asks
 * {@code GET /api/v1/queue} why it waits while it is QUEUED, and streams its log live on stdout
 * from {@code GET .../logs?follow=true}. When the API has no live stream (400/404), the stored log
 * is printed once the execution ends.
 */
public final class ExecutionFollower {

    private static final long MAX_POLL_MILLIS = 1000;
    /** How long to keep polling through an unreachable API (a restart) before giving up. */
    private static final Duration OUTAGE_TOLERANCE = Duration.ofSeconds(30);
    /** How often to ask /queue why a QUEUED execution waits. */
    private static final long QUEUE_CHECK_NANOS = Duration.ofSeconds(3).toNanos();
    /** After the execution ended, how long the live stream gets to deliver its last lines and end event. */
    private static final long STREAM_DRAIN_MILLIS = 10_000;

    private final ApiClient api;
    private final CliContext context;
    private final long startNanos;

    private Thread streamThread;
    private volatile ApiClient.StreamEnd streamEnd;
    private volatile boolean streamPrinted;
    /** Once set, the live stream prints nothing more (the stored log is printed instead). */
    private volatile boolean streamMuted;
    /** Characters the live stream printed, per attempt: the stored log's remainder is printed after it. */
    private final java.util.Map<Integer, Long> streamedChars = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean queueApiMissing;
    private long lastQueueCheck;
    private String lastWaitLine;

    /**
     * @param startNanos {@link System#nanoTime()} when the user's command started; follow lines show time since
     */
    public ExecutionFollower(ApiClient api, CliContext context, long startNanos) {
        this.api = api;
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
                            streamedChars.merge(data.path("attempt").asInt(0), (long) text.asText().length(), Long::sum);
                            context.out().print(text.asText());
                            context.out().flush();
                            streamPrinted = true;
                        }
                    }
                });
            } catch (CliException e) {
                streamEnd = ApiClient.StreamEnd.BROKEN;
            }
        });
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
        long outageStart = 0;
        while (!current.isTerminal()) {
            if (current.state() == ExecutionState.QUEUED) {
                explainWait(current);
            }
            sleep(interval);
            ExecutionView next;
            try {
                next = api.get(current.id().toString());
                if (outageStart != 0) {
                    context.err().println(prefix() + " API reachable again");
                    outageStart = 0;
                }
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
                interval = MAX_POLL_MILLIS;
                continue;
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

    /**
     * While QUEUED: the queue's depth and, when this execution is the oldest queued one, the
     * orchestrator's reason (e.g. "provisioning a worker, ~60 s"). A missing /queue is not an error.
     */
    private void explainWait(ExecutionView view) {
        long now = System.nanoTime();
        if (queueApiMissing || (lastQueueCheck != 0 && now - lastQueueCheck < QUEUE_CHECK_NANOS)) {
            return;
        }
        lastQueueCheck = now;
        JsonNode queue;
        try {
            queue = api.getJson(ApiPaths.BASE + "/queue", null);
        } catch (CliException e) {
            queueApiMissing = !(e.getCause() instanceof IOException);
            return;
        }
        String line = waitLine(queue, view.id().toString());
        if (line != null && !line.equals(lastWaitLine)) {
            lastWaitLine = line;
            context.err().println(prefix() + " " + line);
        }
    }

    /** E.g. {@code waiting: provisioning a worker, ~60 s (2 queued, 1 running)}; null when there is nothing to say. */
    static String waitLine(JsonNode queue, String id) {
        JsonNode depth = queue.path("depth");
        long queued = depth.path("QUEUED").asLong(0);
        long active = depth.path("ASSIGNED").asLong(0) + depth.path("RUNNING").asLong(0);
        String counts = queued + " queued, " + active + " running";
        JsonNode oldest = queue.path("oldest");
        if (oldest.isObject() && id.equals(oldest.path("id").asText()) && oldest.hasNonNull("reason")) {
            StringBuilder line = new StringBuilder("waiting: ").append(reasonText(oldest.get("reason").asText()));
            if (oldest.hasNonNull("etaSeconds")) {
                line.append(", ~").append(oldest.get("etaSeconds").asLong()).append(" s");
            }
            if (oldest.hasNonNull("detail") && !oldest.get("detail").asText().isBlank()) {
                line.append(" - ").append(oldest.get("detail").asText().strip());
            }
            return line.append(" (").append(counts).append(')').toString();
        }
        if (oldest.isObject() && !id.equals(oldest.path("id").asText()) && queued > 1) {
            return "waiting behind older executions (" + counts + ")";
        }
        return queued > 0 ? "waiting (" + counts + ")" : null;
    }

    private static String reasonText(String reason) {
        return switch (reason) {
            case "PROVISIONING" -> "provisioning a worker";
            case "NO_CAPACITY" -> "every worker is busy and the grid is at its size limit";
            case "WAITING_FOR_SLOT" -> "waiting for a free slot on a worker";
            default -> reason.toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }

    /**
     * Prints on stdout what the live stream did not: the whole stored log of the execution's latest
     * attempt when there was no stream; after a stream that broke midway, a note on stderr and the stored log.
     */
    public void printLog(ExecutionView terminal) {
        if (streamEnd == ApiClient.StreamEnd.ENDED) {
            printStoredRemainder(terminal);
            return;
        }
        if (streamPrinted) {
            context.err().println(prefix() + " the live log was interrupted; the complete stored log follows");
        }
        api.logs(terminal.id().toString(), terminal.attempt() > 0 ? terminal.attempt() : null, context.out());
    }

    /**
     * The stream may end before the attempt's last chunks reached the API (its status and its log
     * travel on different topics); the stored log is complete, so whatever of it the stream did not
     * print is printed now.
     */
    private void printStoredRemainder(ExecutionView terminal) {
        if (terminal.attempt() < 1) {
            return;
        }
        java.io.ByteArrayOutputStream stored = new java.io.ByteArrayOutputStream();
        try {
            api.logs(terminal.id().toString(), terminal.attempt(), stored);
        } catch (CliException e) {
            return; // the streamed log stands; nothing better to offer
        }
        String text = stored.toString(java.nio.charset.StandardCharsets.UTF_8);
        long printed = streamedChars.getOrDefault(terminal.attempt(), 0L);
        if (text.length() > printed) {
            context.out().print(text.substring((int) printed));
            context.out().flush();
        }
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
        }
    }
}
