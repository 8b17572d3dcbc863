package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rgrid outputs ID [--dir D]}: downloads (or with --list/--json lists) an attempt's outputs. */
@Command(name = "outputs",
        description = "Download the files an execution wrote to its outputs directory.",
        footerHeading = "%n",
        footer = {"Examples:",
                "  rgrid outputs 0190f5c2-... --dir results/",
                "  rgrid outputs 0190f5c2-... --list",
                "  rgrid outputs 0190f5c2-... --json | jq '.outputs[].name'"})
public final class OutputsCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ID", description = "Execution id.")
    String id;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Where to put them (default: rgrid-outputs/ID).")
    Path dir;

    @Option(names = "--attempt", paramLabel = "N", converter = RunOptions.PositiveInt.class,
            description = "That attempt's outputs (default: the latest).")
    Integer attempt;

    @Option(names = "--list", description = "Only list names and sizes; download nothing.")
    boolean list;

    @Option(names = "--json", description = "Print the API's listing as JSON; download nothing.")
    boolean json;

    @Override
    public Integer call() {
        String executionId = executionId(id);
        ApiClient api = api();
        if (json || list) {
            JsonNode listing = api.outputs(executionId, attempt);
            if (json) {
                JsonOut.print(context().out(), listing);
            } else {
                for (JsonNode output : listing.path("outputs")) {
                    context().out().printf(Locale.ROOT, "%10s  %s%n", Sizes.human(output.path("size").asLong()),
                            output.path("name").asText());
                }
            }
            return ExitCodes.OK;
        }
        Path target = dir != null ? dir : Path.of("rgrid-outputs", executionId);
        Outputs.Downloaded downloaded = Outputs.download(api, context().err(), executionId, attempt, target);
        downloaded.announce(context().err(), target);
        if (downloaded.listed() == 0) {
            context().err().println("Execution " + executionId + " stored no outputs"
                    + (attempt == null ? "" : " in attempt " + attempt)
                    + " (a script's outputs are the files it writes to ./outputs/)");
        }
        return ExitCodes.OK;
    }
}
