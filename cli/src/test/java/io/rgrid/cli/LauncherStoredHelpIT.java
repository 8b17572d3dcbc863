package io.rgrid.cli;

import io.rgrid.cli.LauncherHome.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher prints the build's stored help texts without starting Java (issue 29), the same
 * bytes the CLI prints, and leaves every other command line to the CLI. "Without Java" is shown
 * by a JVM option no JVM accepts: the launcher's answer is unaffected, the CLI's would be an error.
 * Runs after the package phase, on a copy of the packaged CLI ({@link LauncherHome}).
 */
class LauncherStoredHelpIT {

    /** Every JVM refuses to start with it. */
    private static final Map<String, String> NO_JVM = Map.of("JAVA_TOOL_OPTIONS", "-XX:+RgridNoSuchOption");

    @TempDir
    static Path home;

    private static LauncherHome launcher;

    @BeforeAll
    static void copyThePackagedCli() throws Exception {
        assumeTrue(Boolean.getBoolean("rgrid.cli.packaged"), "runs after the package phase (execution 'launcher')");
        launcher = LauncherHome.copy(home, true);
    }

    @ParameterizedTest(name = "rgrid {0}")
    @ValueSource(strings = {"--help", "-h", "help", "help run", "run --help", "logs -h", "local up --help"})
    void printsTheCliSTextWithoutJava(String commandLine) throws Exception {
        List<String> args = List.of(commandLine.split(" "));
        Result cli = launcher.rgrid(args, Map.of("RGRID_STORED_HELP", "0"));
        assertThat(cli.code()).as(cli.toString()).isZero();
        assertThat(cli.out()).contains("Usage: rgrid");

        Result stored = launcher.rgrid(args, NO_JVM);
        assertThat(stored.code()).as(stored.toString()).isZero();
        assertThat(stored.err()).isEmpty();
        assertThat(stored.out()).isEqualTo(cli.out());
    }

    @Test
    void theJvmOptionReallyStopsJava() throws Exception {
        Result version = launcher.rgrid(List.of("--version"), NO_JVM);
        assertThat(version.code()).as(version.toString()).isNotZero();
        assertThat(version.err()).contains("RgridNoSuchOption");
    }

    @Test
    void otherCommandLinesGoToTheCli() throws Exception {
        for (List<String> args : List.of(List.of("run", "--help", "x.py"), List.of("nosuchcommand", "--help"),
                List.of("--help=yes"), List.of("run"))) {
            Result run = launcher.rgrid(args, NO_JVM);
            assertThat(run.err()).as("rgrid %s: %s", args, run).contains("RgridNoSuchOption");
        }
    }

    @Test
    void aColourHintOrAPicocliPropertyLeavesItToTheCli() throws Exception {
        for (Map<String, String> env : List.of(Map.of("NO_COLOR", "1"), Map.of("CLICOLOR_FORCE", "1"),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:+RgridNoSuchOption -Dpicocli.ansi=true"),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:+RgridNoSuchOption", "RGRID_STORED_HELP", "0"))) {
            Map<String, String> all = new HashMap<>(NO_JVM);
            all.putAll(env);
            Result run = launcher.rgrid(List.of("--help"), all);
            assertThat(run.err()).as("with %s: %s", env, run).contains("RgridNoSuchOption");
        }
    }

    @Test
    void aTextNewerThanTheJarLeavesItToTheCli() throws Exception {
        Path text = launcher.target().resolve(LauncherHome.HELP_TEXTS).resolve("status_--help.txt");
        FileTime before = Files.getLastModifiedTime(text);
        Files.setLastModifiedTime(text, FileTime.fromMillis(
                Files.getLastModifiedTime(launcher.target().resolve("rgrid-cli.jar")).toMillis() + 60_000));
        try {
            Result run = launcher.rgrid(List.of("status", "--help"), NO_JVM);
            assertThat(run.err()).as(run.toString()).contains("RgridNoSuchOption");
        } finally {
            Files.setLastModifiedTime(text, before);
        }
        assertThat(launcher.rgrid(List.of("status", "--help"), NO_JVM).code()).isZero();
    }
}
