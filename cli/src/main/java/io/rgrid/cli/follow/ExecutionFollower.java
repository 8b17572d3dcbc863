package io.rgrid.cli.follow;

import io.rgrid.cli.CliContext;
import io.rgrid.cli.CliException;
import io.rgrid.cli.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.api.ExecutionView;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * Follows an execution to its end by polling the API, printing each state change on stderr
 * as it is seen, then prints its stored log on stdout.
 */
public final class ExecutionFollower {

    private static final long MAX_POLL_MILLIS = 1000;
    /** How long to keep polling through an unreachable API (a restart) before giving up. */
    private static final Duration OUTAGE_TOLERANCE = Duration.ofSeconds(30);

    private final ApiClient api;
    private final CliContext context;
    private final long startNanos;

    /**
     * @param startNanos {@link System#nanoTime()} when the user's command started; follow lines show time since
     */
    public ExecutionFollower(ApiClient api, CliContext context, long startNanos) {
        this.api = api;
        this.context = context;
        this.startNanos = startNanos;
    }

    /** Polls until the execution is terminal; Ctrl-C meanwhile prints how to cancel or resume. */
    public ExecutionView follow(ExecutionView initial) {
        Thread hook = context.interactive() ? installInterruptHint(initial.id().toString()) : null;
        try {
            return poll(initial);
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

    private ExecutionView poll(ExecutionView initial) {
        ExecutionView current = initial;
        printChange(current);
        long interval = context.pollStartMillis();
        long outageStart = 0;
        while (!current.isTerminal()) {
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

    /** Prints the stored log of the execution's latest attempt on stdout. */
    public void printLog(ExecutionView terminal) {
        api.logs(terminal.id().toString(), terminal.attempt() > 0 ? terminal.attempt() : null, context.out());
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
            context.err().println();
            context.err().println("Stopped following " + id + "; it keeps running on the grid.");
            context.err().println("  cancel it:  rgrid cancel " + id);
            context.err().println("  resume:     rgrid logs " + id);
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
