package io.rgrid.cli;

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
 */
public record CliContext(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive,
                         long pollStartMillis) {

    /** Default first poll interval; polling backs off from here to one second. */
    public static final long DEFAULT_POLL_START_MILLIS = 250;

    public static CliContext system() {
        return new CliContext(System.getenv(), System.out, System.err, true, DEFAULT_POLL_START_MILLIS);
    }

    public static CliContext forTest(Map<String, String> env, PrintStream out, PrintStream err) {
        return new CliContext(env, out, err, false, 20);
    }

    public static PrintStream utf8(java.io.OutputStream stream) {
        return new PrintStream(stream, true, StandardCharsets.UTF_8);
    }
}
