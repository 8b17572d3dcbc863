package io.rgrid.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ExecutionView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code rgrid retry ID}: {@code POST /api/v1/executions/{id}/retry}, a new execution with the same spec and files. */
@Command(name = "retry",
        description = {"Run an ended execution again.",
                "A new execution with the same script, inputs and options.",
                "Prints the new execution's id on stdout."},
        footerHeading = "%n",
        footer = {"Example:", "  new=$(rgrid retry 0190f5c2-...) && rgrid logs -f \"$new\""})
public final class RetryCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ID", description = "Id of the execution to retry.")
    String id;

    @Option(names = "--json", description = "Print the new execution as JSON.")
    boolean json;

    @Override
    public Integer call() {
        String executionId = executionId(id);
        // The raw answer: it carries retryOf, which ExecutionView does not.
        JsonNode answer = api().postJson(ApiPaths.execution(executionId) + "/retry", executionId);
        if (json) {
            JsonOut.print(context().out(), answer);
        } else {
            ExecutionView created;
            try {
                created = Json.mapper().treeToValue(answer, ExecutionView.class);
            } catch (JsonProcessingException e) {
                throw CliException.api("the API answered the retry with something that is not an execution", e);
            }
            context().out().println(created.id());
            context().err().println("Retrying " + executionId + " as " + created.id() + " (" + created.state()
                    + "); follow it with: rgrid logs -f " + created.id());
        }
        return ExitCodes.OK;
    }
}
