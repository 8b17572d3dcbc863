package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.ArrayList;
import java.util.List;

/** The top {@code rgrid} command: global options, and the list of subcommands. */
@Command(name = "rgrid",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Run Python scripts on an RGrid grid and follow them to the end.",
        footerHeading = "%n",
        footer = {
                "Examples:",
                "  ./rgrid local up                          start a grid on this machine",
                "  rgrid run analysis.py --input data.csv    run a script, print its output",
                "  rgrid run -d train.py --cpus 2 --memory 4g -- --epochs 10",
                "  rgrid status 0190f5c2-...                 show an execution",
                "  rgrid logs -f 0190f5c2-...                follow its log live",
                "  rgrid run process.py --batch 'data/*.csv' one execution per file, live table",
                "  rgrid list --state FAILED --json          your executions, as JSON",
                "  rgrid outputs 0190f5c2-... --dir out/     download its outputs",
                "  rgrid retry 0190f5c2-...                  run it again",
                "  rgrid cancel 0190f5c2-...",
                "  source <(rgrid completion bash)           tab completion",
                "",
                "Configuration, first found wins:",
                "  1. --api-url / --api-key / --ca-cert",
                "  2. RGRID_API_URL / RGRID_API_KEY / RGRID_CA_CERT",
                "  3. $XDG_CONFIG_HOME/rgrid/config.json (default ~/.config/rgrid/config.json),",
                "     written by ./rgrid local up or rgrid init",
                "  The API URL defaults to http://127.0.0.1:8000. A CA certificate is added",
                "  to the system's trust store for https URLs; verification is never off.",
                "",
                ExitCodes.HELP
        })
public final class RgridCommand implements AutoCloseable {

    /**
     * The subcommands, in the order the help lists them. Not in the annotation: {@code Main} adds
     * them, in full only where the command line needs it ({@code io.rgrid.cli.CommandTree}).
     */
    public static final List<Class<?>> SUBCOMMANDS = List.of(
            RunCommand.class,
            StatusCommand.class,
            LogsCommand.class,
            CancelCommand.class,
            ListCommand.class,
            RetryCommand.class,
            OutputsCommand.class,
            WorkersCommand.class,
            CostCommand.class,
            LocalCommand.class,
            InitCommand.class,
            VersionCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class);

    private final CliContext context;
    /** The API clients the command made, closed when it ends. */
    private final List<ApiClient> clients = new ArrayList<>();

    @Option(names = "--api-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "API base URL (default: RGRID_API_URL, the config file, or http://127.0.0.1:8000).")
    String apiUrl;

    @Option(names = "--api-key", scope = ScopeType.INHERIT, paramLabel = "KEY",
            description = "API key (default: RGRID_API_KEY or the config file).")
    String apiKey;

    @Option(names = "--ca-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM file of a CA to trust for the API's TLS certificate, besides the system's "
                    + "(default: RGRID_CA_CERT or the config file's caCert).")
    String caCert;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Trace HTTP calls and print stack traces on errors.")
    boolean debug;

    public RgridCommand(CliContext context) {
        this.context = context;
    }

    public CliContext context() {
        return context;
    }

    public String apiUrl() {
        return apiUrl;
    }

    public String apiKey() {
        return apiKey;
    }

    public String caCert() {
        return caCert;
    }

    public boolean debug() {
        return debug;
    }

    /** Registers {@code client} to be closed when the command ends; returns it. */
    ApiClient closeAtEnd(ApiClient client) {
        clients.add(client);
        return client;
    }

    /** Closes the command's API clients, so that no thread of theirs holds up the JVM's exit. */
    @Override
    public void close() {
        clients.forEach(ApiClient::close);
        clients.clear();
    }
}
