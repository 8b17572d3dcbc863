package io.rgrid.cli.command;

import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.config.CaCert;
import io.rgrid.cli.config.ConfigResolver;
import io.rgrid.cli.http.CaTrust;
import io.rgrid.model.config.ClientConfig;
import picocli.CommandLine.Command;

import java.io.Console;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code rgrid init --api-url URL --api-key KEY [--ca-cert FILE]}: writes the CLI config file for a
 * remote grid. The CA file is checked (a PEM certificate) and stored by its absolute path.
 */
@Command(name = "init",
        description = {
                "Write the CLI config file for a remote grid: API URL and key.",
                "With --ca-cert FILE it also holds the CA certificate (by its absolute path)",
                "for an API whose TLS certificate comes from a private CA.",
                "The file is mode 0600; ./rgrid local up writes it for the local grid.",
                "Without --api-key, asks for the key."})
public final class InitCommand extends CommandSupport implements Callable<Integer> {

    @Override
    public Integer call() {
        RgridCommand root = root();
        ConfigResolver resolver = resolver();
        URI url = resolver.resolveUrl(root.apiUrl());
        String key = root.apiKey();
        if (key == null || key.isBlank()) {
            Console console = System.console();
            if (console == null) {
                throw CliException.usage("rgrid init needs --api-key KEY (no terminal to ask on)");
            }
            char[] typed = console.readPassword("API key for %s: ", url);
            key = typed == null ? "" : new String(typed).trim();
            if (key.isEmpty()) {
                throw CliException.usage("no key given; nothing written");
            }
        }
        CaCert ca = resolver.resolveCaCert(root.caCert());
        if (ca != null) {
            CaTrust.read(ca); // a missing or non-PEM file is refused before anything is written
        }
        Path file = resolver.configFile();
        try {
            new ClientConfig(url.toString(), key.trim(), ca == null ? null : ca.file().toString()).write(file);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot write " + file + ": " + e.getMessage());
        }
        context().err().println("Wrote " + file + " (API " + url + (ca == null ? "" : ", CA " + ca.file()) + ")");
        return ExitCodes.OK;
    }
}
