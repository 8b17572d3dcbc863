package io.rgrid.cli;

import io.rgrid.cli.core.CliContext;

/**
 * Entry point of the {@code rgrid} command. Help and version lines are answered from the texts
 * generated at build time ({@link StoredHelp}), without loading picocli; everything else goes
 * through picocli ({@link CommandLineRunner}).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int stored = StoredHelp.answer(args, System.getenv(), System.out);
        System.exit(stored >= 0 ? stored : execute(args, CliContext.system()));
    }

    /** Runs one command line against {@code context} through picocli; returns the exit code. Tests call this directly. */
    public static int execute(String[] args, CliContext context) {
        return CommandLineRunner.execute(args, context);
    }
}
