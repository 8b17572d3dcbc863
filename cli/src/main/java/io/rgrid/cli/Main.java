package io.rgrid.cli;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.command.RgridCommand;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.List;

/** Entry point of the {@code rgrid} command. */
public final class Main {

    /** Subcommands whose unknown options belong to someone else (the script, the local-grid launcher). */
    private static final List<List<String>> PASS_THROUGH = List.of(
            List.of("run"), List.of("local", "run"), List.of("local", "up"), List.of("local", "down"),
            List.of("local", "status"));

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, CliContext.system()));
    }

    /** Runs one command line against {@code context}; returns the exit code. Tests call this directly. */
    public static int execute(String[] args, CliContext context) {
        RgridCommand root = new RgridCommand(context);
        CommandLine commandLine = new CommandLine(root)
                .setOut(new PrintWriter(context.out(), true))
                .setErr(new PrintWriter(context.err(), true))
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd, root.debug()));
        for (List<String> path : PASS_THROUGH) {
            CommandLine sub = commandLine;
            for (String name : path) {
                sub = sub.getSubcommands().get(name);
            }
            sub.setUnmatchedOptionsArePositionalParams(true);
        }
        return commandLine.execute(args);
    }

    /** Two lines: what is wrong, where the usage is. No usage dump: it buries the message. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        // picocli says "option option '--env'" in its map-syntax message.
        err.println("rgrid: " + String.valueOf(e.getMessage()).replace("option option", "option"));
        if (!UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int failure(Exception e, CommandLine cmd, boolean debug) {
        PrintWriter err = cmd.getErr();
        if (e instanceof ParameterException parameter) {
            return usageError(parameter, new String[0]);
        }
        if (debug) {
            e.printStackTrace(err);
        }
        if (e instanceof CliException cli) {
            err.println("rgrid: " + cli.getMessage());
            err.flush();
            return cli.exitCode();
        }
        err.println("rgrid: unexpected error: " + e);
        if (!debug) {
            err.println("Run again with --debug for the stack trace, and report it if it persists.");
        }
        err.flush();
        return ExitCodes.FAILURE;
    }
}
