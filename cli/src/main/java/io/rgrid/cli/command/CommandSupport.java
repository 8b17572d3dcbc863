package io.rgrid.cli.command;

import io.rgrid.cli.config.ApiSettings;
import io.rgrid.cli.config.ConfigResolver;
import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.Ids;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Locale;

/** What every subcommand needs: the context, the resolved settings, an API client. */
abstract class CommandSupport {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    RgridCommand root() {
        return (RgridCommand) spec.root().userObject();
    }

    CliContext context() {
        return root().context();
    }

    ConfigResolver resolver() {
        return new ConfigResolver(context().env());
    }

    /** Resolves the settings now (the config file may have just been written by {@code local up}); the client is closed when the command ends. */
    ApiClient api() {
        RgridCommand root = root();
        ApiSettings settings = resolver().resolve(root.apiUrl(), root.apiKey(), root.caCert());
        return root.closeAtEnd(new ApiClient(settings, root.debug() ? context().err() : null));
    }

    /** @throws CliException (usage) when {@code text} is not an execution id */
    static String executionId(String text) {
        if (Ids.parseExecutionId(text) == null) {
            throw CliException.usage("'" + text + "' is not an execution id; ids are UUIDs like "
                    + "0190f5c2-7b1e-7c3a-9d2f-1a2b3c4d5e6f (rgrid run prints them)");
        }
        return text.toLowerCase(Locale.ROOT);
    }
}
