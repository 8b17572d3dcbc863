package io.rgrid.model.api;

import java.util.List;
import java.util.Map;

/**
 * The {@code spec} part of a submission, as a user writes it. Every field is optional;
 * api-service fills the gaps from its configured defaults and checks the limits.
 *
 * @param memory         {@code 512m}, {@code 2g} (as Docker writes them) or a number of MiB
 * @param network        {@code bridge} or {@code none}
 * @param machine        a machine (server) type the execution must run on, e.g. {@code cx33}; null lets the
 *                       grid pick the cheapest allowed type that fits
 */
public record SubmitSpec(
        String image,
        List<String> args,
        Map<String, String> env,
        Double cpus,
        String memory,
        Integer timeoutSeconds,
        String network,
        Integer maxAttempts,
        Map<String, String> labels,
        String machine) {

    /** A spec without a machine type (the grid picks one). */
    public SubmitSpec(String image, List<String> args, Map<String, String> env, Double cpus, String memory,
                      Integer timeoutSeconds, String network, Integer maxAttempts, Map<String, String> labels) {
        this(image, args, env, cpus, memory, timeoutSeconds, network, maxAttempts, labels, null);
    }

    public static SubmitSpec empty() {
        return new SubmitSpec(null, null, null, null, null, null, null, null, null, null);
    }
}
