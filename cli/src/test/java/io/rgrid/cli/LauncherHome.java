package io.rgrid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A copy of the packaged CLI with the launcher ({@code ./rgrid}) in a temporary RGRID_HOME, for the
 * launcher's tests: they never touch the build's own cache or texts. The other services' artifacts
 * are empty placeholders, so the launcher does not build.
 */
final class LauncherHome {

    private static final String[] OTHER_ARTIFACTS = {
            "local-grid/target/local-grid.jar",
            "api-service/target/quarkus-app/quarkus-run.jar",
            "orchestrator-service/target/quarkus-app/quarkus-run.jar",
            "worker-agent/target/quarkus-app/quarkus-run.jar"};
    /** Where the build stores the help texts, under cli/target (StoredHelpProcessor). */
    static final String HELP_TEXTS = "classes/io/rgrid/cli/help";

    private final Path home;

    private LauncherHome(Path home) {
        this.home = home;
    }

    /** The launcher, the jar and lib/ in {@code home}; with the build's help texts when {@code withHelpTexts}. */
    static LauncherHome copy(Path home, boolean withHelpTexts) throws IOException {
        Path repo = repo();
        Path built = repo.resolve("cli/target");
        Files.copy(repo.resolve("rgrid"), home.resolve("rgrid"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("cli/src/build"));
        for (String script : List.of("aot-cache.sh", "ClassFileUpgrade.java")) {
            Files.copy(repo.resolve("cli/src/build").resolve(script), home.resolve("cli/src/build").resolve(script));
        }
        for (String artifact : OTHER_ARTIFACTS) {
            Files.createDirectories(home.resolve(artifact).getParent());
            Files.createFile(home.resolve(artifact));
        }
        Path target = home.resolve("cli/target");
        Files.createDirectories(target.resolve("lib"));
        copyFiles(built.resolve("lib"), target.resolve("lib"));
        if (withHelpTexts) {
            Files.createDirectories(target.resolve(HELP_TEXTS));
            copyFiles(built.resolve(HELP_TEXTS), target.resolve(HELP_TEXTS));
        }
        // The jar last: the launcher prints a stored text only when it is not newer than the jar.
        Files.copy(built.resolve("rgrid-cli.jar"), target.resolve("rgrid-cli.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        return new LauncherHome(home);
    }

    static Path repo() {
        return Path.of(System.getProperty("build.repo.root"));
    }

    Path home() {
        return home;
    }

    Path target() {
        return home.resolve("cli/target");
    }

    /** {@code ./rgrid args} with no JVM options from the test's own environment, and {@code env} added. */
    Result rgrid(List<String> args, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("rgrid").toString());
        command.addAll(args);
        return exec(command, env);
    }

    Result exec(List<String> command, Map<String, String> env) throws Exception {
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().remove("_JAVA_OPTIONS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 120 s");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void copyFiles(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
