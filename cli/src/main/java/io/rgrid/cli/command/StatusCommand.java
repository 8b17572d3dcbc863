package io.rgrid.cli.command;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.Json;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code rgrid status ID}. */
@Command(name = "status", description = "Show an execution: state, attempt, worker, limits, times.")
public final class StatusCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ID", description = "Execution id (rgrid run prints it).")
    String id;

    @Option(names = "--json", description = "Print the API's JSON view instead.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ExecutionView view = api().get(executionId(id));
        if (json) {
            context().out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(view));
        } else {
            context().out().print(ExecutionFormat.statusView(view));
        }
        return ExitCodes.OK;
    }
}
