package io.rgrid.cli;

import io.rgrid.cli.core.CliContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Test helper: runs the real picocli command line in-process and captures what it printed. */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun run(Map<String, String> env, String... args) {
        return run(env, CliContext.forTest(env, null, null).pollStartMillis(), args);
    }

    /** With this first poll interval while following (the tests' default is short). */
    public static CliRun run(Map<String, String> env, long pollStartMillis, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new CliContext(env, CliContext.utf8(out), CliContext.utf8(err), false,
                pollStartMillis, false));
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
