package io.rgrid.model;

import java.util.List;
import java.util.Map;

/**
 * What to run and with which limits, fully resolved (defaults applied) by api-service.
 *
 * @param image          container image
 * @param args           arguments after {@code python3 script.py}
 * @param env            environment variables, plain values
 * @param cpus           CPU limit (fractional cores)
 * @param memoryMb       memory limit in MiB; swap equals memory
 * @param timeoutSeconds wall-clock limit of the script
 * @param network        bridge or none
 * @param maxAttempts    attempts before a lost execution ends as LOST
 * @param labels         user labels, for filtering
 * @param machine        the machine (server) type it must run on, or null for the cheapest allowed type that
 *                       fits; absent in specs written before it existed
 */
public record ExecutionSpec(
        String image,
        List<String> args,
        Map<String, String> env,
        double cpus,
        int memoryMb,
        int timeoutSeconds,
        NetworkMode network,
        int maxAttempts,
        Map<String, String> labels,
        String machine) {

    /** A spec without a machine type: the grid picks the cheapest allowed type that fits. */
    public ExecutionSpec(String image, List<String> args, Map<String, String> env, double cpus, int memoryMb,
                         int timeoutSeconds, NetworkMode network, int maxAttempts, Map<String, String> labels) {
        this(image, args, env, cpus, memoryMb, timeoutSeconds, network, maxAttempts, labels, null);
    }

    public ExecutionSpec {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        network = network == null ? NetworkMode.BRIDGE : network;
    }
}
