package io.rgrid.worker.runtime.docker;

import io.rgrid.worker.config.WorkerConfig.EgressPolicy;

import java.util.Optional;

/**
 * Whether the Docker runtime may start, and which Docker network executions with network
 * {@code bridge} join, from the egress policy setting and what the host shows: the execution
 * network as Docker reports it and the marker {@code deploy/worker-egress.sh check} writes once
 * every rule is in place (docs/security.md). Pure: the facts are read by {@link EgressGate}.
 */
public final class EgressDecision {

    /** Docker's own default network: no egress rule applies to it. */
    public static final String DOCKER_DEFAULT_BRIDGE = "bridge";
    static final String FIX = "run /usr/local/lib/rgrid/worker-egress.sh install as root (rgrid-worker.service does "
            + "before every start), or set rgrid.worker.egress.policy=off (RGRID_WORKER_EGRESS_POLICY=off) where "
            + "executions may reach this host and its private network";

    private EgressDecision() {
    }

    /**
     * The execution network as {@code docker network inspect} shows it.
     *
     * @param driver     the network driver ({@code bridge})
     * @param bridgeName option {@code com.docker.network.bridge.name}, null when unset
     * @param icc        option {@code com.docker.network.bridge.enable_icc}, null when unset (on)
     * @param ipv6       whether the network has IPv6 (the rules are IPv4)
     */
    public record NetworkFacts(String driver, String bridgeName, String icc, boolean ipv6) {
    }

    /**
     * @param start         whether the runtime may start
     * @param bridgeNetwork the Docker network for executions with network {@code bridge}
     * @param message       what to log (a refusal's reason, or the warning that the policy is off)
     */
    public record Outcome(boolean start, String bridgeNetwork, String message) {
    }

    /**
     * @param network the configured execution network's name
     * @param facts   that network, empty when Docker has none of that name
     * @param marker  the marker file's contents, empty when it does not exist
     */
    public static Outcome decide(EgressPolicy policy, String network, Optional<NetworkFacts> facts,
                                 Optional<String> marker, String markerPath) {
        if (policy == EgressPolicy.OFF) {
            return new Outcome(true, DOCKER_DEFAULT_BRIDGE, "Egress policy OFF (rgrid.worker.egress.policy=off): "
                    + "executions with network bridge run on Docker's default bridge and reach whatever this host "
                    + "reaches, its private network included");
        }
        Optional<String> problem = problem(network, facts, marker, markerPath);
        if (problem.isPresent()) {
            return new Outcome(false, network, "Egress policy not in place: " + problem.get() + "; " + FIX);
        }
        return new Outcome(true, network, "Egress policy in place: executions with network bridge run on Docker "
                + "network " + network + " (" + facts.orElseThrow().bridgeName() + "), which reaches public addresses "
                + "only (checked " + field(marker.orElseThrow(), "checked").orElse("?") + ")");
    }

    private static Optional<String> problem(String network, Optional<NetworkFacts> facts, Optional<String> marker,
                                            String markerPath) {
        if (facts.isEmpty()) {
            return Optional.of("Docker has no network " + network);
        }
        NetworkFacts f = facts.get();
        if (!"bridge".equals(f.driver())) {
            return Optional.of("network " + network + " has driver " + f.driver() + ", not bridge");
        }
        if (f.bridgeName() == null || f.bridgeName().isBlank()) {
            return Optional.of("network " + network + " names no Linux bridge (com.docker.network.bridge.name), "
                    + "which the rules match");
        }
        if (!"false".equals(f.icc())) {
            return Optional.of("network " + network + " lets executions reach each other "
                    + "(com.docker.network.bridge.enable_icc is not false)");
        }
        if (f.ipv6()) {
            return Optional.of("network " + network + " has IPv6, which the rules do not cover");
        }
        if (marker.isEmpty()) {
            return Optional.of("no " + markerPath + ": worker-egress.sh check has not passed since boot");
        }
        if (!field(marker.get(), "network").equals(Optional.of(network))
                || !field(marker.get(), "bridge").equals(Optional.of(f.bridgeName()))) {
            return Optional.of(markerPath + " was written for network " + field(marker.get(), "network").orElse("?")
                    + " on " + field(marker.get(), "bridge").orElse("?") + ", not " + network + " on " + f.bridgeName());
        }
        return Optional.empty();
    }

    /** The value of a {@code key=value} line. */
    static Optional<String> field(String marker, String key) {
        return marker.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1).strip())
                .findFirst();
    }
}
