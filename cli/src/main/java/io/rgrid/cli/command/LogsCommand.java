package io.rgrid.cli.command;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.follow.ExecutionFollower;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
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
        footer = {"Examples:", "  rgrid logs -f 0190f5c2-...", "  rgrid logs 0190f5c2-... --attempt 1 > attempt1.log",
                "  rgrid logs 0190f5c2-... --json | jq -r .log"})
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

    @Option(names = "--json", description = "Print {id, attempt, state, log} as JSON: the log stored so far, without waiting.")
    boolean json;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        String executionId = executionId(id);
        ApiClient api = api();
        if (json) {
            return printJson(api, executionId);
        }
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
            return follower.printLog(view) ? ExitCodes.OK : ExitCodes.API;
        }
        api.logs(executionId, view.attempt() > 0 ? view.attempt() : null, context().out());
        return ExitCodes.OK;
    }

    private Integer printJson(ApiClient api, String executionId) {
        ExecutionView view = api.get(executionId);
        int shown = attempt != null ? attempt : view.attempt();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        api.logs(executionId, shown, log);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", view.id());
        out.put("attempt", shown);
        out.put("state", view.state());
        out.put("log", log.toString(StandardCharsets.UTF_8));
        JsonOut.print(context().out(), out);
        return ExitCodes.OK;
    }
}
