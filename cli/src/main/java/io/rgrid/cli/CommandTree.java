package io.rgrid.cli;

import java.util.Arrays;
import java.util.Set;

/**
 * How much of picocli's command model a command line needs. Building the model of a subcommand
 * means reflecting on its class (options, mixins, converters); doing that for every subcommand
 * took most of the CLI's start-up (docs/benchmarks.md, issue 29). So the model is built in full
 * only for the subcommand the line names; the others are {@link Shape#SUMMARIES summaries} (name
 * and description from the annotation: enough for the top-level help, the list of commands and
 * "did you mean" suggestions) or left out. A pure decision on the arguments; {@link Main} acts on it.
 */
public final class CommandTree {

    /** What to build. */
    public enum Shape {
        /** Only the named subcommand, in full. */
        ONE,
        /** Every subcommand in full: {@code help COMMAND}, {@code completion}, or a line it cannot read for sure. */
        FULL,
        /** No subcommand is named: every subcommand as a summary. */
        SUMMARIES
    }

    /**
     * The plan for a command line.
     *
     * @param shape what to build
     * @param name  the subcommand built in full with {@link Shape#ONE}, else null
     */
    public record Plan(Shape shape, String name) {

        /** Whether the subcommand of this name (or one of these aliases) is built in full. */
        public boolean buildsInFull(String subcommand, String... aliases) {
            return shape == Shape.FULL
                    || (shape == Shape.ONE && (subcommand.equals(name) || Arrays.asList(aliases).contains(name)));
        }
    }

    /** The root's options that take a value as the next argument (unless written {@code --opt=value}). */
    private static final Set<String> ROOT_OPTIONS_WITH_VALUE = Set.of("--api-url", "--api-key", "--ca-cert");
    /** Subcommands that read the whole tree. */
    private static final Set<String> NEED_FULL_TREE = Set.of("help", "completion");

    private CommandTree() {
    }

    /**
     * @param args  the command line after {@code rgrid}
     * @param names every subcommand's name and aliases
     */
    public static Plan plan(String[] args, Set<String> names) {
        String first = firstPositional(args);
        if (first != null && names.contains(first) && !NEED_FULL_TREE.contains(first)) {
            return new Plan(Shape.ONE, first);
        }
        // A subcommand's name anywhere else (after "--", as an option's value we did not foresee, or
        // help/completion) gets the full tree, so that no summary is ever run.
        for (String arg : args) {
            if (names.contains(arg)) {
                return new Plan(Shape.FULL, null);
            }
        }
        return new Plan(Shape.SUMMARIES, null);
    }

    /** The first argument that is neither an option of the root nor its value; null at "--" or when none. */
    private static String firstPositional(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                return null;
            }
            if (!arg.startsWith("-")) {
                return arg;
            }
            if (ROOT_OPTIONS_WITH_VALUE.contains(arg)) {
                i++;
            }
        }
        return null;
    }
}
