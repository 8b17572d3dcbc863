package io.rgrid.worker.runtime;

import io.rgrid.model.NetworkMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run of a script.
 *
 * @param runId    unique per attempt; names the container and is the handle for {@link ContainerRuntime#kill}
 * @param workDir  host directory seen as {@code /work} by the script: {@code script.py}, {@code inputs/}, {@code outputs/}
 * @param image    container image (ignored by the process runtime)
 * @param args     arguments after {@code python3 /work/script.py}
 * @param env      extra environment variables
 * @param cpus     CPU limit in cores
 * @param memoryMb memory limit in MiB (swap equals memory: none extra)
 * @param timeout  wall-clock limit
 * @param network  bridge or none (ignored by the process runtime)
 * @param labels   labels put on the container, to find it again
 * @param pythonArgs what python3 is started with, relative to the working directory; empty means
 *                 {@code script.py} followed by {@code args} (other values run agent steps such as
 *                 the requirements install in the same confinement)
 */
public record RunRequest(String runId, Path workDir, String image, List<String> args, Map<String, String> env,
                         double cpus, int memoryMb, Duration timeout, NetworkMode network, Map<String, String> labels,
                         List<String> pythonArgs) {

    /** Where the work directory appears inside the container. */
    public static final String CONTAINER_WORK_DIR = "/work";
    public static final String SCRIPT = "script.py";
    public static final String INPUTS = "inputs";
    public static final String OUTPUTS = "outputs";
    /** Where requirements.txt is installed to (pip --target); put on PYTHONPATH when present. */
    public static final String DEPS = ".deps";
    public static final String REQUIREMENTS = "requirements.txt";

    public RunRequest {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        network = network == null ? NetworkMode.NONE : network;
        if (pythonArgs == null || pythonArgs.isEmpty()) {
            List<String> command = new ArrayList<>(args.size() + 1);
            command.add(SCRIPT);
            command.addAll(args);
            pythonArgs = List.copyOf(command);
        } else {
            pythonArgs = List.copyOf(pythonArgs);
        }
    }

    /** Runs {@code python3 script.py args}. */
    public RunRequest(String runId, Path workDir, String image, List<String> args, Map<String, String> env,
                      double cpus, int memoryMb, Duration timeout, NetworkMode network, Map<String, String> labels) {
        this(runId, workDir, image, args, env, cpus, memoryMb, timeout, network, labels, null);
    }
}
