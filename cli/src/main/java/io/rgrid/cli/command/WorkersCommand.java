package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.api.ApiPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rgrid workers}: {@code GET /api/v1/workers}. */
@Command(name = "workers", description = "List the grid's workers: state, provider, type, hourly price.")
public final class WorkersCommand extends CommandSupport implements Callable<Integer> {

    @Option(names = "--all", description = "Include deleted workers.")
    boolean all;

    @Option(names = "--json", description = "Print the API's JSON.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode answer = api().getJson(ApiPaths.BASE + "/workers" + (all ? "?all=true" : ""), null);
        if (json) {
            JsonOut.print(context().out(), answer);
            return ExitCodes.OK;
        }
        JsonNode items = answer.path("items");
        if (items.isEmpty()) {
            context().err().println("No workers" + (all ? "" : " (the grid creates them when executions are queued)"));
            return ExitCodes.OK;
        }
        context().out().printf(Locale.ROOT, "%-22s  %-12s  %-8s  %-10s  %9s  %s%n", "ID", "STATE", "PROVIDER", "TYPE", "EUR/HOUR", "DETAIL");
        for (JsonNode w : items) {
            context().out().printf(Locale.ROOT, "%-22s  %-12s  %-8s  %-10s  %9.4f  %s%n", w.path("id").asText(),
                    w.path("state").asText(), w.path("provider").asText(""), w.path("serverType").asText(""),
                    w.path("hourlyPriceEur").asDouble(), w.path("detail").asText(""));
        }
        return ExitCodes.OK;
    }
}
