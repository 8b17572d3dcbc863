package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the embedded-grid launcher ({@code local-grid.jar}) as a child process with this
 * terminal, so its progress and errors reach the user unchanged, and returns its exit code.
 */
final class LocalGrid {

    static final String HOME_ENV = "RGRID_HOME";
    static final String JAR = "local-grid/target/local-grid.jar";

    private LocalGrid() {
    }

    static int run(CliContext context, String verb, List<String> args) {
        List<String> command = command(context, verb, args);
        try {
            Process process = new ProcessBuilder(command).inheritIO().start();
            return process.waitFor();
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot start " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        }
    }

    static List<String> command(CliContext context, String verb, List<String> args) {
        String home = context.env().get(HOME_ENV);
        if (home == null || home.isBlank()) {
            throw CliException.usage("RGRID_HOME is not set, so the local grid cannot be found.\n"
                    + "Start the CLI through the ./rgrid launcher at the repository root, or set RGRID_HOME to that directory");
        }
        Path jar = Path.of(home).resolve(JAR);
        if (!Files.isRegularFile(jar)) {
            throw CliException.usage("the local grid is not built (" + jar + " is missing).\n"
                    + "Build it with: ./mvnw -q -DskipTests install (the ./rgrid launcher does this on first use)");
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("-jar");
        command.add(jar.toString());
        command.add(verb);
        command.addAll(args);
        return command;
    }

    /** The JVM running the CLI: the launcher already picked one that is new enough. */
    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
