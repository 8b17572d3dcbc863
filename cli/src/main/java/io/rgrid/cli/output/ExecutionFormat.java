package io.rgrid.cli.output;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ExecutionView;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** How executions read for people: one-line state changes while following, and the status view. */
public final class ExecutionFormat {

    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private ExecutionFormat() {
    }

    /** E.g. {@code ASSIGNED to rgrid-worker-ab12cd}, {@code SUCCEEDED in 1.2 s}, {@code QUEUED again (attempt 2)}. */
    public static String stateLine(ExecutionView view) {
        ExecutionState state = view.state();
        StringBuilder line = new StringBuilder(state.name());
        switch (state) {
            case QUEUED -> {
                if (view.attempt() > 1) {
                    line.append(" again (attempt ").append(view.attempt()).append(')');
                }
            }
            case ASSIGNED -> {
                if (view.workerId() != null) {
                    line.append(" to ").append(view.workerId());
                }
            }
            default -> {
                Duration ran = runTime(view);
                if (state.isTerminal() && ran != null) {
                    line.append(" in ").append(seconds(ran));
                }
                if (state == ExecutionState.FAILED && view.exitCode() != null) {
                    line.append(" (exit code ").append(view.exitCode()).append(')');
                }
            }
        }
        if (!state.isTerminal() && view.message() != null && !view.message().isBlank()) {
            line.append(": ").append(view.message());
        }
        return line.toString();
    }

    /** Why a terminal execution did not succeed, or null when it did. */
    public static String failureLine(ExecutionView view) {
        if (view.state() == ExecutionState.SUCCEEDED) {
            return null;
        }
        StringBuilder line = new StringBuilder("execution ").append(view.id()).append(' ').append(view.state());
        if (view.exitCode() != null) {
            line.append(", exit code ").append(view.exitCode());
        }
        if (view.reason() != null) {
            line.append(", reason ").append(view.reason());
        }
        if (view.message() != null && !view.message().isBlank()) {
            line.append(": ").append(view.message().strip());
        }
        return line.toString();
    }

    /** The script's own run time (started to finished), or null before it started or finished. */
    public static Duration runTime(ExecutionView view) {
        if (view.startedAt() == null || view.finishedAt() == null) {
            return null;
        }
        return Duration.between(view.startedAt(), view.finishedAt());
    }

    /** {@code 1.2 s}, {@code 3 min 4 s}. */
    public static String seconds(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long total = millis / 1000;
        if (total < 3600) {
            return (total / 60) + " min " + (total % 60) + " s";
        }
        return (total / 3600) + " h " + (total % 3600 / 60) + " min";
    }

    /** Elapsed time prefix for follow lines, e.g. {@code [  1.2s]}. */
    public static String elapsed(Duration duration) {
        return String.format(Locale.ROOT, "[%5.1fs]", Math.max(0, duration.toMillis()) / 1000.0);
    }

    /** The human {@code rgrid status} view. */
    public static String statusView(ExecutionView view) {
        StringBuilder out = new StringBuilder();
        row(out, "Execution", String.valueOf(view.id()));
        String state = view.state().name();
        if (view.state() == ExecutionState.FAILED && view.exitCode() != null) {
            state += " (exit code " + view.exitCode() + ")";
        }
        row(out, "State", state);
        row(out, "Attempt", String.valueOf(view.attempt()));
        row(out, "Reason", view.reason() == null ? null : view.reason().name());
        row(out, "Message", view.message());
        row(out, "Worker", view.workerId());
        row(out, "Project", view.projectId());
        row(out, "Script", view.scriptName());
        row(out, "Inputs", view.inputs() == null || view.inputs().isEmpty() ? null : String.join(", ", view.inputs()));
        ExecutionSpec spec = view.spec();
        if (spec != null) {
            row(out, "Image", spec.image());
            if (!spec.args().isEmpty()) {
                row(out, "Args", String.join(" ", spec.args()));
            }
            row(out, "Limits", String.format(Locale.ROOT, "%s CPU, %d MiB, timeout %d s, network %s, %d attempts",
                    trimNumber(spec.cpus()), spec.memoryMb(), spec.timeoutSeconds(), spec.network().wire(),
                    spec.maxAttempts()));
            if (!spec.env().isEmpty()) {
                // Names only: values may be secrets, and a status view gets pasted into tickets.
                row(out, "Env", String.join(", ", new TreeSet<>(spec.env().keySet())));
            }
            if (!spec.labels().isEmpty()) {
                row(out, "Labels", pairs(spec.labels()));
            }
        }
        row(out, "Created", time(view.createdAt()));
        row(out, "Started", time(view.startedAt()));
        Duration ran = runTime(view);
        row(out, "Finished", view.finishedAt() == null ? null
                : time(view.finishedAt()) + (ran == null ? "" : " (ran " + seconds(ran) + ")"));
        return out.toString();
    }

    private static void row(StringBuilder out, String name, String value) {
        if (value != null && !value.isBlank()) {
            out.append(String.format(Locale.ROOT, "%-10s %s%n", name, value));
        }
    }

    private static String time(Instant instant) {
        return instant == null ? null : LOCAL_TIME.format(instant);
    }

    private static String trimNumber(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private static String pairs(Map<String, String> map) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(map).forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return text.toString();
    }
}
