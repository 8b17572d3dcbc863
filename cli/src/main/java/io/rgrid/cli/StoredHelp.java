package io.rgrid.cli;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.core.VersionInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Help and version without picocli. picocli's classes are Java 5 class files, which the JDK does
 * not store in its ahead-of-time cache, and building its model of a command costs a reflection on
 * every option: most of a {@code --help} (docs/benchmarks.md, issue 29). So the build stores each
 * usage text as picocli prints it ({@link StoredHelpWriter}, run by {@link StoredHelpProcessor} at
 * compile time, so the texts can never drift from the commands), and this class prints the stored
 * text for exactly those command lines: {@code --help}, {@code -h}, {@code help}, {@code help CMD},
 * {@code CMD [SUB] --help|-h}, and {@code --version}/{@code -V} (computed: it names the Java it
 * runs on). Anything else, or a setting that changes picocli's output (a {@code picocli.*} system
 * property, a colour hint in the environment, Windows), goes to picocli as before. On a terminal
 * the coloured text is printed, as picocli would.
 */
final class StoredHelp {

    /** Where the texts are, relative to this class; one file per command line and colour. */
    static final String FOLDER = "help/";
    static final String PLAIN = ".txt";
    static final String ANSI = ".ansi";
    /** Arguments a stored command line is made of: command names and the help options. */
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9-]{1,40}");
    /** Environment variables picocli reads to decide on colours, besides the terminal. */
    private static final List<String> COLOUR_HINTS = List.of("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "ANSICON",
            "ConEmuANSI");

    private StoredHelp() {
    }

    /** Prints the answer to {@code args} when it is stored; returns its exit code, or -1 for picocli to answer. */
    static int answer(String[] args, Map<String, String> env, PrintStream out) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            print(out, String.join(System.lineSeparator(), VersionInfo.lines()) + System.lineSeparator());
            return ExitCodes.OK;
        }
        // On Windows picocli's colours depend on more than a terminal (Jansi, xterm, cygwin): it decides there.
        if (args.length == 0 || System.getProperty("os.name", "").toLowerCase().contains("win")) {
            return -1;
        }
        Boolean ansi = colours(env, hasPicocliProperty(), CliContext.consoleIsTerminal());
        String text = ansi == null ? null : text(args, ansi);
        if (text == null) {
            return -1;
        }
        print(out, text);
        return ExitCodes.OK;
    }

    /**
     * Whether picocli would colour its help (its {@code Ansi.AUTO} on Linux and macOS): null when a
     * setting other than the terminal has a say, so that picocli decides; else whether stdout is a terminal.
     */
    static Boolean colours(Map<String, String> env, boolean picocliProperty, boolean terminal) {
        if (picocliProperty) {
            return null;
        }
        for (String hint : COLOUR_HINTS) {
            if (env.containsKey(hint)) {
                return null;
            }
        }
        return terminal;
    }

    /** The stored text for {@code args}, or null when that command line has none. */
    static String text(String[] args, boolean ansi) {
        for (String arg : args) {
            if (!WORD.matcher(arg).matches()) {
                return null;
            }
        }
        String name = FOLDER + resourceName(args) + (ansi ? ANSI : PLAIN);
        try (InputStream in = StoredHelp.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the stored help " + name + " could not be read", e);
        }
    }

    /** The file name of a command line's text: its arguments joined by '_' (none of them contains one). */
    static String resourceName(String[] args) {
        return String.join("_", args);
    }

    private static boolean hasPicocliProperty() {
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("picocli.")) {
                return true;
            }
        }
        return false;
    }

    /** The way picocli prints it: a PrintWriter on the stream, flushed. */
    private static void print(PrintStream out, String text) {
        PrintWriter writer = new PrintWriter(out, true);
        writer.print(text);
        writer.flush();
    }
}
