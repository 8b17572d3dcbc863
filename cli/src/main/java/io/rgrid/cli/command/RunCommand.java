package io.rgrid.cli.command;

import io.rgrid.cli.CliContext;
import io.rgrid.cli.ExitCodes;
import io.rgrid.cli.follow.ExecutionFollower;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code rgrid run SCRIPT [ARGS...]}: submit, follow to the end, print the output, exit with the script's code. */
@Command(name = "run",
        description = {
                "Run a Python script on the grid and print its output.",
                "Uploads the script and its inputs, shows each state change on stderr,",
                "then prints the script's output on stdout and exits with its exit code."},
        footerHeading = "%n",
        footer = {
                "Examples:",
                "  rgrid run analysis.py --input data.csv",
                "  rgrid run train.py --cpus 2 --memory 4g -e SEED=42 -- --epochs 10",
                "  id=$(rgrid run --detach job.py) && rgrid logs \"$id\"",
                "",
                "Ctrl-C stops following; the execution keeps running.",
                "Stop it with: rgrid cancel ID. Follow it again with: rgrid logs ID."})
public final class RunCommand extends CommandSupport implements Callable<Integer> {

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
        ApiClient api = command.api();
        ExecutionView submitted = api.submit(options.toSpec(), options.script, options.inputs, options.requirements);
        String id = submitted.id().toString();
        if (options.detach) {
            context.out().println(id);
            return ExitCodes.OK;
        }
        context.err().println("Submitted " + id);
        ExecutionFollower follower = new ExecutionFollower(api, context, start);
        ExecutionView terminal = follower.follow(submitted);
        follower.printLog(terminal);
        String failure = ExecutionFormat.failureLine(terminal);
        if (failure != null) {
            context.err().println("rgrid: " + failure);
        }
        return ExitCodes.forExecution(terminal);
    }
}
