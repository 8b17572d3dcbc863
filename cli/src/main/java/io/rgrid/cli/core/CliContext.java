package io.rgrid.cli.core;

import java.io.Console;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the commands see of the outside world: the environment and the two output streams.
 * Tests build their own to drive the real commands without touching the process's.
 *
 * @param env              environment variables (config precedence, XDG paths, RGRID_HOME)
 * @param out              the script's output and machine-readable results
 * @param err              progress, status changes and errors
 * @param interactive      true in a real process: install the Ctrl-C hook while following
 * @param pollStartMillis  first poll interval while following an execution
 * @param terminal         true when the user watches a terminal: progress lines and tables redraw in place
 */
public record CliContext(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive,
                         long pollStartMillis, boolean terminal) {

    /** Default first poll interval; polling backs off from here to one second. */
    public static final long DEFAULT_POLL_START_MILLIS = 250;

    public static CliContext system() {
        return new CliContext(System.getenv(), System.out, System.err, true, DEFAULT_POLL_START_MILLIS,
                isTerminal(System.getenv()));
    }

    public static CliContext forTest(Map<String, String> env, PrintStream out, PrintStream err) {
        return new CliContext(env, out, err, false, 20, false);
    }

    /**
     * Whether to draw in place. Java 21 can only tell whether stdin and stdout are a terminal
     * (System.console() != null); on 22+ Console.isTerminal() says so precisely. TERM=dumb and
     * RGRID_NO_TTY=1 turn it off; RGRID_TTY=1 forces it (the launcher knows about stderr: test -t 2).
     */
    static boolean isTerminal(Map<String, String> env) {
        if ("1".equals(env.get("RGRID_TTY"))) {
            return true;
        }
        if ("1".equals(env.get("RGRID_NO_TTY")) || "dumb".equals(env.get("TERM"))) {
            return false;
        }
        return consoleIsTerminal();
    }

    /** Whether stdin and stdout are a terminal: System.console(), and on Java 22+ Console.isTerminal() (picocli's test too). */
    public static boolean consoleIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: console() is null unless stdin and stdout are a terminal
        }
    }

    public static PrintStream utf8(OutputStream stream) {
        return new PrintStream(stream, true, StandardCharsets.UTF_8);
    }
}
