package io.rgrid.cli;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.command.RgridCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line through picocli: the tree {@link CommandTree} plans, the error handlers, the
 * run. Everything but the stored help texts ({@link StoredHelp}) goes through here.
 */
final class CommandLineRunner {

    /** Subcommands whose unknown options belong to someone else (the script, the local-grid launcher). */
    private static final List<List<String>> PASS_THROUGH = List.of(
            List.of("run"), List.of("local", "run"), List.of("local", "up"), List.of("local", "down"),
            List.of("local", "status"));

    private CommandLineRunner() {
    }

    /** Runs one command line against {@code context}; returns the exit code. */
    static int execute(String[] args, CliContext context) {
        RgridCommand root = new RgridCommand(context);
        try {
            return commandLine(args, root).execute(args);
        } finally {
            root.close();
        }
    }

    /** The command line {@code args} needs, wired to {@code root}'s context; {@link StoredHelpWriter} runs it too. */
    static CommandLine commandLine(String[] args, RgridCommand root) {
        CliContext context = root.context();
        CommandLine commandLine = new CommandLine(root);
        // Before the settings below: picocli applies them to the subcommands present when they are set.
        addSubcommands(commandLine, args);
        commandLine.setOut(new PrintWriter(context.out(), true))
                .setErr(new PrintWriter(context.err(), true))
                .setParameterExceptionHandler(CommandLineRunner::usageError)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd, root.debug()));
        for (List<String> path : PASS_THROUGH) {
            CommandLine sub = commandLine;
            for (String name : path) {
                sub = sub == null ? null : sub.getSubcommands().get(name);
            }
            if (sub != null) {
                sub.setUnmatchedOptionsArePositionalParams(true);
            }
        }
        return commandLine;
    }

    /** The subcommands as {@link CommandTree} plans them: in full where needed, else as summaries or not at all. */
    private static void addSubcommands(CommandLine commandLine, String[] args) {
        Set<String> names = new HashSet<>();
        for (Class<?> type : RgridCommand.SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            names.add(command.name());
            names.addAll(List.of(command.aliases()));
        }
        CommandTree.Plan plan = CommandTree.plan(args, names);
        for (Class<?> type : RgridCommand.SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            if (plan.buildsInFull(command.name(), command.aliases())) {
                commandLine.addSubcommand(command.name(), type, command.aliases());
            } else if (plan.shape() == CommandTree.Shape.SUMMARIES) {
                commandLine.addSubcommand(command.name(), summary(command), command.aliases());
            }
        }
    }

    /** A subcommand's name and help texts from its annotation, without the reflection on its fields. */
    private static CommandSpec summary(Command command) {
        CommandSpec spec = CommandSpec.create().name(command.name());
        spec.usageMessage().description(command.description()).header(command.header()).hidden(command.hidden());
        return spec;
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
