package io.rgrid.cli.core;

import io.rgrid.model.api.ExecutionView;

/**
 * The CLI's exit codes. {@code rgrid run} exits with the script's own code, so the codes of
 * the CLI's own failures are few and documented in {@code rgrid --help}.
 */
public final class ExitCodes {

    public static final int OK = 0;
    /** An unexpected error inside the CLI, or a script that failed without an exit code. */
    public static final int FAILURE = 1;
    /** Bad options, a missing local file, no API key configured. */
    public static final int USAGE = 2;
    /** The API could not be reached, or it refused the request (401, 404, problem+json); a log could not be shown whole. */
    public static final int API = 3;
    /** The execution ran past its timeout (as coreutils' timeout(1) reports it). */
    public static final int TIMED_OUT = 124;
    /** The execution was cancelled, or the user pressed Ctrl-C (128 + SIGINT). */
    public static final int INTERRUPTED = 130;

    /** Text for the help footer; keep in step with the constants above. */
    public static final String HELP = """
            Exit codes:
              0    success (rgrid run: the script succeeded)
              1    the script failed with no exit code or was lost; internal error
              2    usage: bad option, missing local file, no API key configured
              3    API unreachable, key rejected, no such execution, refused;
                   log incomplete
              124  the script ran past its --timeout
              130  the execution was cancelled, or Ctrl-C stopped following it
              N    rgrid run: any other code is the script's own exit code
            """;

    private ExitCodes() {
    }

    /** The code {@code rgrid run} exits with once the execution is terminal. */
    public static int forExecution(ExecutionView view) {
        if (view.state() == null) {
            return FAILURE;
        }
        return switch (view.state()) {
            case SUCCEEDED -> OK;
            case FAILED -> scriptCode(view.exitCode());
            case TIMED_OUT -> TIMED_OUT;
            case CANCELLED -> INTERRUPTED;
            case LOST -> FAILURE;
            // Not terminal: the caller should not ask yet.
            case QUEUED, ASSIGNED, RUNNING -> FAILURE;
        };
    }

    /**
     * A failed execution's own code, when it is one a process can exit with. A failure
     * reported with code 0 (e.g. outputs over the limit after a clean exit) still fails.
     */
    private static int scriptCode(Integer exitCode) {
        if (exitCode == null || exitCode <= 0 || exitCode > 255) {
            return FAILURE;
        }
        return exitCode;
    }
}
