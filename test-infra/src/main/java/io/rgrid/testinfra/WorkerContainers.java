package io.rgrid.testinfra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The containers a test's worker left on the engine, found the way the grid finds them (the
 * {@code io.rgrid.worker-id} label every container of an agent carries, waiting ones included)
 * and removed through the {@code docker} CLI, independent of the code under test. An agent
 * killed with -9 leaves its containers behind; the suites that kill agents clean up with this.
 */
public final class WorkerContainers {

    /** The label's name as common-model's ContainerLabels.WORKER_ID spells it (test-infra depends on no module). */
    private static final String WORKER_ID_LABEL = "io.rgrid.worker-id";

    private WorkerContainers() {
    }

    /**
     * Removes every container of {@code workerId}, running or not; returns how many there were.
     * Without a docker CLI there is nothing to remove (the process-runtime tests leave no
     * containers) and the answer is 0.
     */
    public static int remove(String workerId) throws InterruptedException {
        try {
            Process list = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=" + WORKER_ID_LABEL + "=" + workerId)
                    .redirectErrorStream(true).start();
            List<String> ids = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(line -> line.matches("[0-9a-f]{12,64}")).toList();
            list.waitFor(30, TimeUnit.SECONDS);
            if (!ids.isEmpty()) {
                List<String> remove = new ArrayList<>(List.of("docker", "rm", "-f"));
                remove.addAll(ids);
                new ProcessBuilder(remove).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor(60, TimeUnit.SECONDS);
            }
            return ids.size();
        } catch (IOException e) {
            return 0;
        }
    }
}
