package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.follow.ExecutionFollower;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.cli.output.StageTimings;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.Console;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rgrid run SCRIPT [ARGS...]}: submit, follow to the end, print the output, exit with the script's code. */
@Command(name = "run",
        description = {
                "Run a Python script on the grid and print its output.",
                "Uploads the script and its inputs, shows each state change (and why it",
                "waits) on stderr, streams the script's output to stdout as it runs,",
                "downloads its outputs and exits with its exit code."},
        footerHeading = "%n",
        footer = {
                "Examples:",
                "  rgrid run analysis.py --input data.csv --output-dir results/",
                "  rgrid run train.py --cpus 2 --memory 4g -e SEED=42 --env-file .env \\",
                "      -- --epochs 10",
                "  rgrid run merge.py --input 'parts/*.csv'        every match is an input",
                "  rgrid run process.py --batch 'data/*.csv'       one execution per file",
                "  id=$(rgrid run --detach job.py) && rgrid logs -f \"$id\"",
                "",
                "A requirements.txt beside the script is used unless --requirements or",
                "--no-requirements says otherwise.",
                "Ctrl-C stops following; the execution keeps running.",
                "Stop it with: rgrid cancel ID. Follow it again with: rgrid logs -f ID."})
public final class RunCommand extends CommandSupport implements Callable<Integer> {

    /** Below this, an upload is over before a progress line would help. */
    private static final long PROGRESS_MIN_BYTES = 1024 * 1024;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        options.validate();
        return submitAndFollow(this, options, start);
    }

    /**
     * Shared with {@code rgrid local run}; the caller has validated {@code options}.
     *
     * @param start {@link System#nanoTime()} when the command started, for the elapsed times shown
     */
    static int submitAndFollow(CommandSupport command, RunOptions options, long start) {
        CliContext context = command.context();
        Path requirements = requirements(context, options);
        ApiClient api = command.api();
        if (options.batch != null) {
            return new BatchRun(api, context, options, requirements).run();
        }
        ExecutionView submitted = api.submit(options.toSpec(), options.script, options.inputs, requirements,
                progress(context, "Uploading"));
        Instant submittedAt = Instant.now();
        String id = submitted.id().toString();
        if (options.detach) {
            context.out().println(id);
            return ExitCodes.OK;
        }
        context.err().println("Submitted " + id);
        ExecutionFollower follower = new ExecutionFollower(api, context, start);
        ExecutionView terminal = follower.follow(submitted, true);
        boolean logComplete = follower.printLog(terminal);
        String failure = ExecutionFormat.failureLine(terminal);
        if (failure != null) {
            context.err().println("rgrid: " + failure);
            context.err().println("Outputs it stored, if any: rgrid outputs " + id);
        } else if (!options.noDownload) {
            Path dir = options.outputDir != null ? options.outputDir : Path.of("rgrid-outputs", id);
            Outputs.download(api, context.err(), id, terminal.attempt() > 0 ? terminal.attempt() : null, dir)
                    .announce(context.err(), dir);
        }
        if (options.timings) {
            printTimings(context, start, submittedAt, submitted, terminal, follower.end());
        }
        int code = ExitCodes.forExecution(terminal);
        // A run whose output could not all be shown never looks like a clean success.
        return logComplete || code != ExitCodes.OK ? code : ExitCodes.API;
    }

    /**
     * {@code --timings}: the stages of this run on stderr ({@link StageTimings}). The launch is the
     * launcher's {@code RGRID_LAUNCHED_AT} (seconds since the epoch, from bash's EPOCHREALTIME),
     * else this process's start; the script's start and end come from the stream's end event, else
     * from the final GET.
     */
    private static void printTimings(CliContext context, long startNanos, Instant submittedAt, ExecutionView submitted,
                                     ExecutionView terminal, ExecutionFollower.End end) {
        Instant now = Instant.now();
        Instant commandStart = now.minusNanos(System.nanoTime() - startNanos);
        Instant started = end != null && end.startedAt() != null ? end.startedAt() : terminal.startedAt();
        Instant finished = end != null && end.finishedAt() != null ? end.finishedAt() : terminal.finishedAt();
        StageTimings.Points points = new StageTimings.Points(launched(context), commandStart,
                submittedAt, submitted.createdAt(), started, finished, end == null ? null : end.receivedAt(), now);
        StageTimings.table(points).forEach(context.err()::println);
    }

    /** When the launcher started (RGRID_LAUNCHED_AT), else when this process started; null when neither is known. */
    private static Instant launched(CliContext context) {
        Instant fromLauncher = StageTimings.epochSeconds(context.env().get("RGRID_LAUNCHED_AT"));
        return fromLauncher != null ? fromLauncher : ProcessHandle.current().info().startInstant().orElse(null);
    }

    /**
     * --requirements, else the requirements.txt beside the script: on a terminal rgrid asks, otherwise
     * it uses it and says so (--no-requirements skips it).
     */
    static Path requirements(CliContext context, RunOptions options) {
        if (options.requirements != null || options.defaultRequirements == null) {
            return options.requirements;
        }
        Path found = options.defaultRequirements;
        Console console = context.interactive() && context.terminal() ? System.console() : null;
        if (console != null) {
            String answer = console.readLine("Install %s before the script runs? [Y/n] ", found);
            if (answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("n")) {
                context.err().println("Not using " + found + " (--no-requirements skips this question)");
                return null;
            }
            return found;
        }
        context.err().println("Using " + found + " (beside the script; --no-requirements skips it)");
        return found;
    }

    /** A progress line redrawn in place on stderr, only on a terminal. */
    static ApiClient.Progress progress(CliContext context, String what) {
        if (!context.terminal()) {
            return null;
        }
        return new ApiClient.Progress() {
            private long lastDraw;

            @Override
            public void sent(long bytes, long total) {
                if (total < PROGRESS_MIN_BYTES) {
                    return;
                }
                long now = System.nanoTime();
                boolean done = bytes >= total;
                if (!done && now - lastDraw < 100_000_000L) {
                    return;
                }
                lastDraw = now;
                int percent = (int) (bytes * 100 / Math.max(1, total));
                int filled = percent / 5;
                context.err().print("\r" + what + " [" + "#".repeat(filled) + " ".repeat(20 - filled) + "] "
                        + percent + "% " + Sizes.human(bytes) + " of " + Sizes.human(total) + (done ? "\n" : ""));
                context.err().flush();
            }
        };
    }

    /** The files of a run's inputs plus the batch input, refusing duplicates by name. */
    static List<Path> batchInputs(RunOptions options, Path batchInput) {
        List<Path> all = new ArrayList<>(options.inputs);
        all.removeIf(p -> p.getFileName().equals(batchInput.getFileName()));
        all.add(batchInput);
        return all;
    }
}
