package io.rgrid.cli.command;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code rgrid cancel ID}. */
@Command(name = "cancel", description = "Cancel an execution (queued, assigned or running).")
public final class CancelCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ID", description = "Execution id.")
    String id;

    @Override
    public Integer call() {
        String executionId = executionId(id);
        ExecutionView view = api().cancel(executionId);
        // Cancelling is asynchronous for a running execution: the worker stops the container and reports.
        context().err().println(view.isTerminal()
                ? "Execution " + executionId + " is " + view.state()
                : "Cancel requested for " + executionId + " (now " + view.state() + "); rgrid status "
                        + executionId + " shows when it has stopped");
        return ExitCodes.OK;
    }
}
