package io.rgrid.e2e.grid;

import io.rgrid.testinfra.WorkerContainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The docker CLI, for what the tests check or clean up on the engine. */
public final class Containers {

    private Containers() {
    }

    public static boolean engineAnswers() {
        return run(List.of("docker", "info", "--format", "{{.ServerVersion}}")).exit() == 0;
    }

    /** Removes the containers the grid's workers left (an agent killed with -9 leaves its container behind). */
    public static void removeAll(KillableGrid grid) {
        try {
            for (var agent : grid.agents().knownWorkerIds()) {
                WorkerContainers.remove(agent);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public record Result(int exit, String out) {
    }

    public static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
