package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.runtime.docker.EgressDecision.NetworkFacts;
import io.rgrid.worker.runtime.docker.EgressDecision.Outcome;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what {@link EgressDecision} decides on: the execution network from the Docker Engine and
 * the marker file of {@code deploy/worker-egress.sh} (docs/security.md).
 */
public final class EgressGate {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private EgressGate() {
    }

    /** The decision for this agent's settings; the engine is asked only under {@code enforce}. */
    public static Outcome check(String dockerHost, WorkerConfig.Egress egress) {
        if (egress.policy() == WorkerConfig.EgressPolicy.OFF) {
            return EgressDecision.decide(egress.policy(), egress.network(), Optional.empty(), Optional.empty(),
                    egress.marker());
        }
        return EgressDecision.decide(egress.policy(), egress.network(), network(dockerHost, egress.network()),
                marker(Path.of(egress.marker())), egress.marker());
    }

    static Optional<NetworkFacts> network(String dockerHost, String name) {
        try (DockerClient client = DockerRuntime.client(dockerHost, TIMEOUT)) {
            Network network = client.inspectNetworkCmd().withNetworkId(name).exec();
            Map<String, String> options = network.getOptions() == null ? Map.of() : network.getOptions();
            return Optional.of(new NetworkFacts(network.getDriver(), options.get("com.docker.network.bridge.name"),
                    options.get("com.docker.network.bridge.enable_icc"), Boolean.TRUE.equals(network.getEnableIPv6())));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the Docker client", e);
        }
    }

    static Optional<String> marker(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the egress policy marker " + file, e);
        }
    }
}
