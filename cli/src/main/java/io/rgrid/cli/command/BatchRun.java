package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ExecutionView;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code rgrid run SCRIPT --batch GLOB}: one execution per matching file, a table of their states
 * (redrawn in place on a terminal, one line per change otherwise), their outputs in one folder per
 * input, a summary, and exit code 1 when any did not succeed.
 */
final class BatchRun {

    private static final long MAX_POLL_MILLIS = 1000;

    private final ApiClient api;
    private final CliContext context;
    private final RunOptions options;
    private final Path requirements;
    private final List<Row> rows = new ArrayList<>();
    private int drawnLines;

    private static final class Row {
        final Path input;
        ExecutionView view;
        String note = "";

        Row(Path input, ExecutionView view) {
            this.input = input;
            this.view = view;
        }
    }

    BatchRun(ApiClient api, CliContext context, RunOptions options, Path requirements) {
        this.api = api;
        this.context = context;
        this.options = options;
        this.requirements = requirements;
    }

    int run() {
        long start = System.nanoTime();
        for (Path input : options.batchFiles) {
            ExecutionView submitted = api.submit(options.toBatchSpec(input), options.script,
                    RunCommand.batchInputs(options, input), requirements, null);
            rows.add(new Row(input, submitted));
            if (options.detach) {
                context.out().println(submitted.id());
            }
        }
        if (options.detach) {
            return ExitCodes.OK;
        }
        context.err().println("Submitted " + rows.size() + " executions of " + options.script.getFileName());
        Thread hook = context.interactive() ? installInterruptHint() : null;
        try {
            follow();
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // already running
                }
            }
        }
        Path base = options.outputDir != null ? options.outputDir
                : Path.of("rgrid-outputs", "batch-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        boolean downloaded = false;
        if (!options.noDownload) {
            for (Row row : rows) {
                if (row.view.state() == ExecutionState.SUCCEEDED) {
                    String id = row.view.id().toString();
                    // Only refused names are reported per execution; the summary names the folder.
                    Outputs.Downloaded got = Outputs.download(api, context.err(), id, row.view.attempt(),
                            base.resolve(row.input.getFileName().toString()));
                    downloaded |= !got.names().isEmpty();
                }
            }
        }
        summary(Duration.ofNanos(System.nanoTime() - start), downloaded ? base : null);
        return rows.stream().allMatch(r -> r.view.state() == ExecutionState.SUCCEEDED) ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private void follow() {
        draw(null);
        long interval = context.pollStartMillis();
        while (rows.stream().anyMatch(r -> !r.view.isTerminal())) {
            sleep(interval);
            boolean anyChange = false;
            for (Row row : rows) {
                if (row.view.isTerminal()) {
                    continue;
                }
                ExecutionView next;
                try {
                    next = api.get(row.view.id().toString());
                } catch (CliException e) {
                    if (e.getCause() instanceof IOException) {
                        row.note = "API unreachable, retrying";
                        continue;
                    }
                    throw e;
                }
                if (next.state() != row.view.state() || !Objects.equals(next.workerId(), row.view.workerId())) {
                    row.view = next;
                    row.note = "";
                    anyChange = true;
                    draw(row);
                } else {
                    row.view = next;
                }
            }
            interval = anyChange ? context.pollStartMillis() : Math.min(MAX_POLL_MILLIS, interval * 3 / 2);
        }
    }

    /** On a terminal: the whole table, redrawn over the last one. Otherwise: one line for {@code changed}. */
    private void draw(Row changed) {
        if (!context.terminal()) {
            for (Row row : rows) {
                if (changed == null || row == changed) {
                    context.err().println(line(row));
                }
            }
            return;
        }
        StringBuilder table = new StringBuilder();
        if (drawnLines > 0) {
            table.append("\033[").append(drawnLines).append('A'); // cursor up over the previous table
        }
        for (Row row : rows) {
            table.append("\r\033[2K").append(line(row)).append('\n');
        }
        Map<ExecutionState, Long> counts = counts();
        table.append("\r\033[2K").append(countsText(counts)).append('\n');
        drawnLines = rows.size() + 1;
        context.err().print(table);
        context.err().flush();
    }

    private String line(Row row) {
        int width = rows.stream().mapToInt(r -> r.input.getFileName().toString().length()).max().orElse(10);
        ExecutionView view = row.view;
        String state = view.state().name();
        if (view.state() == ExecutionState.FAILED && view.exitCode() != null) {
            state += " (exit " + view.exitCode() + ")";
        }
        Duration ran = ExecutionFormat.runTime(view);
        return String.format(Locale.ROOT, "%-" + width + "s  %s  %-18s %s%s", row.input.getFileName(), view.id(), state,
                ran == null ? "" : ExecutionFormat.seconds(ran), row.note.isEmpty() ? "" : "  " + row.note).stripTrailing();
    }

    private Map<ExecutionState, Long> counts() {
        Map<ExecutionState, Long> counts = new EnumMap<>(ExecutionState.class);
        for (Row row : rows) {
            counts.merge(row.view.state(), 1L, Long::sum);
        }
        return counts;
    }

    private static String countsText(Map<ExecutionState, Long> counts) {
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }

    private void summary(Duration took, Path outputs) {
        Map<ExecutionState, Long> counts = counts();
        long ok = counts.getOrDefault(ExecutionState.SUCCEEDED, 0L);
        context.err().println("Batch: " + ok + " of " + rows.size() + " succeeded (" + countsText(counts) + ") in "
                + ExecutionFormat.seconds(took));
        for (Row row : rows) {
            String failure = ExecutionFormat.failureLine(row.view);
            if (failure != null) {
                context.err().println("  " + row.input.getFileName() + ": " + failure + "  (rgrid logs " + row.view.id() + ")");
            }
        }
        if (outputs != null) {
            context.err().println("Outputs: " + outputs + "/<input name>/");
        }
    }

    private Thread installInterruptHint() {
        Thread hook = new Thread(() -> {
            context.err().println();
            context.err().println("Stopped following the batch; its executions keep running on the grid.");
            context.err().println("  cancel one with: rgrid cancel ID");
            for (Row row : rows) {
                context.err().println("    " + row.view.id() + "  " + row.input.getFileName());
            }
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
