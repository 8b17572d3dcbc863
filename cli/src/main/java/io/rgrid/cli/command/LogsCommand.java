package io.rgrid.cli.command;

import io.rgrid.cli.ExitCodes;
import io.rgrid.cli.follow.ExecutionFollower;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code rgrid logs ID}: prints an execution's stored log. The log is stored when an attempt
 * ends, so for an execution still under way it first follows it to the end (this is how a
 * {@code rgrid run} stopped with Ctrl-C is resumed).
 */
@Command(name = "logs",
        description = {
                "Print an execution's log (waits for the execution to end).",
                "If the execution has not ended, streams its log live (state changes on stderr)",
                "until it ends; Ctrl-C stops following, not the execution."},
        footerHeading = "%n",
        footer = {"Examples:", "  rgrid logs -f 0190f5c2-...", "  rgrid logs 0190f5c2-... --attempt 1 > attempt1.log"})
public final class LogsCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ID", description = "Execution id.")
    String id;

    @Option(names = "--attempt", paramLabel = "N", converter = RunOptions.PositiveInt.class,
            description = "Print this attempt's log (default: the latest). Does not wait.")
    Integer attempt;

    @Option(names = {"-f", "--follow"},
            description = "Stream the log live until the execution ends (the default for one that has not ended).")
    boolean follow;

    @Option(names = "--no-follow", description = "Do not wait for an execution that has not ended.")
    boolean noFollow;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        String executionId = executionId(id);
        ApiClient api = api();
        if (attempt != null) {
            api.logs(executionId, attempt, context().out());
            return ExitCodes.OK;
        }
        ExecutionView view = api.get(executionId);
        if (!view.isTerminal()) {
            if (noFollow) {
                api.logs(executionId, null, context().out());
                return ExitCodes.OK;
            }
            ExecutionFollower follower = new ExecutionFollower(api, context(), start);
            view = follower.follow(view, true);
            follower.printLog(view);
            return ExitCodes.OK;
        }
        api.logs(executionId, view.attempt() > 0 ? view.attempt() : null, context().out());
        return ExitCodes.OK;
    }
}
