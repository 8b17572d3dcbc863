package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.api.ApiPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rgrid cost}: {@code GET /api/v1/cost}, the orchestrator's latest cost snapshot. */
@Command(name = "cost", description = "Show what the grid's workers have cost so far (total and per worker).")
public final class CostCommand extends CommandSupport implements Callable<Integer> {

    @Option(names = "--json", description = "Print the API's JSON.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode answer = api().getJson(ApiPaths.BASE + "/cost", null);
        if (json) {
            JsonOut.print(context().out(), answer);
            return ExitCodes.OK;
        }
        context().out().printf(Locale.ROOT, "Total  %.4f EUR%s%n", answer.path("totalEur").asDouble(),
                answer.hasNonNull("at") ? "  (as of " + answer.get("at").asText() + ")" : "  (no snapshot yet)");
        Iterator<Map.Entry<String, JsonNode>> workers = answer.path("perWorkerEur").fields();
        while (workers.hasNext()) {
            Map.Entry<String, JsonNode> w = workers.next();
            context().out().printf(Locale.ROOT, "  %-22s  %.4f EUR%n", w.getKey(), w.getValue().asDouble());
        }
        return ExitCodes.OK;
    }
}
