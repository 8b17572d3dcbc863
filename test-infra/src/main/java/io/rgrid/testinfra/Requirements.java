package io.rgrid.testinfra;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a test needs of the machine beyond the JVM (a Docker engine, sshd, pip, Ray, tmux): the
 * one place that decides what a missing one means. Outside CI the test is skipped with a banner
 * on stderr that names what is missing and how to get it; under {@code CI=true} (or a variable
 * the caller names, such as {@code RGRID_REQUIRE_DOCKER=true}) it fails, because CI installs
 * every one of them (.ci/run) and a skip there would hide a test that never ran.
 */
public final class Requirements {

    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");

    private Requirements() {
    }

    /**
     * Returns when {@code missing} is empty; otherwise fails (under CI or one of
     * {@code requiredBy} set to {@code true}) or skips the calling test, loudly.
     *
     * @param need       what the test needs, for the message ("Docker", "sshd")
     * @param missing    why it is not there, with how to get it; empty when it is there
     * @param requiredBy further environment variables that, set to {@code true}, make a missing need a failure
     */
    public static void require(String need, Optional<String> missing, String... requiredBy) {
        if (missing.isEmpty()) {
            return;
        }
        Assumptions.abort(skipping(need, missing.get(), requiredBy));
    }

    /**
     * For callers that skip by other means (a JUnit {@code ExecutionCondition}, a test resource):
     * fails under CI, as {@link #require} does; otherwise prints the banner and returns the message
     * to skip with.
     */
    public static String skipping(String need, String missing, String... requiredBy) {
        String message = need + " is missing: " + missing;
        if (required(requiredBy)) {
            throw new AssertionError(message + " (" + String.join(" or ", forcing(requiredBy))
                    + "=true: failing instead of skipping)");
        }
        System.err.println("\n" + "#".repeat(76) + "\n## SKIPPING: " + message
                + "\n## (CI=true fails instead)\n" + "#".repeat(76) + "\n");
        return message;
    }

    /** Whether a missing need fails here: {@code CI=true} or one of {@code requiredBy} is {@code true}. */
    public static boolean required(String... requiredBy) {
        for (String variable : forcing(requiredBy)) {
            if ("true".equalsIgnoreCase(System.getenv(variable))) {
                return true;
            }
        }
        return false;
    }

    /** A Docker engine (and what the caller needs of it, e.g. an image): also required by {@code RGRID_REQUIRE_DOCKER=true}. */
    public static void docker(Optional<String> missing) {
        require("Docker", missing, "RGRID_REQUIRE_DOCKER");
    }

    /** An OpenSSH server and ssh-keygen where the tests start them ({@code LocalSshd}). */
    public static void sshd() {
        require("sshd", sshdMissing());
    }

    /** Why sshd cannot be started here, empty when it can. */
    public static Optional<String> sshdMissing() {
        return Files.isExecutable(SSHD) && Files.isExecutable(SSH_KEYGEN) ? Optional.empty()
                : Optional.of(SSHD + " or " + SSH_KEYGEN + " (apt-get install openssh-server)");
    }

    /** pip for the host's {@code python3}: the process runtime installs a script's requirements with it. */
    public static void pip() {
        require("pip", pipMissing());
    }

    private static Optional<String> pipMissing() {
        try {
            Process pip = new ProcessBuilder("python3", "-m", "pip", "--version").redirectErrorStream(true).start();
            pip.getInputStream().readAllBytes();
            return pip.waitFor() == 0 ? Optional.empty()
                    : Optional.of("python3 -m pip --version failed (apt-get install python3-pip)");
        } catch (IOException e) {
            return Optional.of("python3 could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while asking python3 for pip");
        }
    }

    private static String[] forcing(String... requiredBy) {
        String[] variables = new String[requiredBy.length + 1];
        variables[0] = "CI";
        System.arraycopy(requiredBy, 0, variables, 1, requiredBy.length);
        return variables;
    }
}
