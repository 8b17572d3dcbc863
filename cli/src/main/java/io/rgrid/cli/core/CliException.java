package io.rgrid.cli.core;

/**
 * A failure the user can act on: its message says what is wrong and, on a second line, what
 * to do. Printed without a stack trace (unless {@code --debug}) and mapped to an exit code.
 */
public class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** A problem with what the user typed or has on disk: bad option, missing file, no key configured. */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    /** The API could not be reached or refused the request. */
    public static CliException api(String message) {
        return new CliException(ExitCodes.API, message);
    }

    public static CliException api(String message, Throwable cause) {
        return new CliException(ExitCodes.API, message, cause);
    }
}
