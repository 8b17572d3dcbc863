package io.rgrid.cli;

import io.rgrid.model.ExecutionState;
import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real CLI in a real terminal (tmux): the log streams live, Ctrl-C stops following with the
 * cancel/resume hint, and the execution is not cancelled. Skips (loudly) without tmux, unless
 * RGRID_REQUIRE_TMUX=true or CI=true, where it fails instead.
 */
class TerminalInterruptTest {

    @TempDir
    Path dir;

    private final String socket = "rgrid-cli-test-" + ProcessHandle.current().pid();

    @Test
    void ctrlCStopsFollowingPrintsTheHintAndDoesNotCancel() throws Exception {
        requireTmux();
        try (FakeApi api = new FakeApi()) {
            api.sse(true).log("started the long job\n").plan(ExecutionState.QUEUED, ExecutionState.RUNNING);
            Path script = Files.writeString(dir.resolve("long.py"), "import time; time.sleep(3600)\n");
            tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", rgridCommand(api, "run", script.toString()));
            try {
                String pane = waitFor("RUNNING", Duration.ofSeconds(30));
                assertThat(pane).contains("started the long job");
                tmux("send-keys", "-t", "t", "C-c");
                pane = waitFor("EXIT=", Duration.ofSeconds(15));
                Matcher id = Pattern.compile("Submitted ([0-9a-f-]{36})").matcher(pane);
                assertThat(id.find()).as(pane).isTrue();
                assertThat(pane).contains("Stopped following " + id.group(1) + "; it keeps running on the grid.",
                        "cancel it:  rgrid cancel " + id.group(1), "resume:     rgrid logs -f " + id.group(1), "EXIT=130");
                assertThat(api.requests).noneMatch(r -> r.contains("/cancel"));
            } finally {
                tmux("kill-server");
            }
        }
    }

    @Test
    void batchTableIsRedrawnInPlaceOnATerminal() throws Exception {
        requireTmux();
        try (FakeApi api = new FakeApi()) {
            api.plan(ExecutionState.QUEUED, ExecutionState.QUEUED, ExecutionState.RUNNING, ExecutionState.RUNNING,
                    ExecutionState.SUCCEEDED);
            Path script = Files.writeString(dir.resolve("each.py"), "print(1)\n");
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("data/first.csv"), "1");
            Files.writeString(dir.resolve("data/second.csv"), "2");
            tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50",
                    rgridCommand(api, "run", script.toString(), "--batch", "data/*.csv", "--no-download"));
            try {
                String pane = waitFor("EXIT=", Duration.ofSeconds(30));
                assertThat(pane).contains("Batch: 2 of 2 succeeded", "EXIT=0");
                // Redrawn in place: each input has one row on screen, in its final state.
                assertThat(pane.lines().filter(l -> l.startsWith("first.csv"))).singleElement().asString().contains("SUCCEEDED");
                assertThat(pane.lines().filter(l -> l.startsWith("second.csv"))).singleElement().asString().contains("SUCCEEDED");
                assertThat(pane).contains("2 SUCCEEDED");
            } finally {
                tmux("kill-server");
            }
        }
    }

    /** A shell command for tmux: the real CLI (this test's classpath) against {@code api}, then its exit code. */
    private String rgridCommand(FakeApi api, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder command = new StringBuilder("cd " + q(dir.toString()) + " && env RGRID_API_URL=" + q(api.url())
                + " RGRID_API_KEY=" + FakeApi.KEY + " XDG_CONFIG_HOME=" + q(dir.resolve("config").toString())
                + " " + q(java) + " -cp " + q(System.getProperty("java.class.path")) + " io.rgrid.cli.Main");
        for (String arg : args) {
            command.append(' ').append(q(arg));
        }
        return command.append("; echo EXIT=$?; sleep 60").toString();
    }

    private static void requireTmux() {
        boolean present;
        try {
            present = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        Requirements.require("tmux", present ? Optional.empty() : Optional.of("no tmux on PATH (apt-get install -y tmux)"),
                "RGRID_REQUIRE_TMUX");
    }

    private String waitFor(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String pane = "";
        while (System.nanoTime() < deadline) {
            pane = tmux("capture-pane", "-p", "-t", "t", "-S", "-100");
            if (pane.contains(text)) {
                return pane;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' did not appear within " + timeout.toSeconds() + " s; the pane:\n" + pane);
    }

    private String tmux(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("tmux " + String.join(" ", args) + " hung");
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String q(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
