package io.rgrid.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rgrid local ...}: the embedded grid on this machine. */
@Command(name = "local",
        description = {
                "Run a complete grid on this machine.",
                "PostgreSQL, Kafka, S3, the API, the orchestrator and workers, no Docker needed",
                "for the control plane."},
        subcommands = {
                LocalUpCommand.class,
                LocalDownCommand.class,
                LocalStatusCommand.class,
                LocalRunCommand.class
        },
        footerHeading = "%n",
        footer = {
                "Examples:",
                "  ./rgrid local up            start it; write the CLI config for rgrid run",
                "  ./rgrid local run hello.py  start it if needed, then run a script",
                "  ./rgrid local down --purge  stop it and delete its data"})
public final class LocalCommand {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
