package io.rgrid.orchestrator.config;

import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/**
 * {@code rgrid.orchestrator.bootstrap.docker.*}: registries of each worker's Docker, merged into its
 * {@code daemon.json} by the SSH bootstrap (added, never removed; Docker restarted only when the
 * file changed); both unset: the file is left alone. The step has the configure step's timeout.
 * Operators set them in docs/operations.md, "Images and registries".
 */
public interface WorkerDocker {

    String REGISTRY_MIRROR_KEY = "rgrid.orchestrator.bootstrap.docker.registry-mirror";
    String INSECURE_REGISTRIES_KEY = "rgrid.orchestrator.bootstrap.docker.insecure-registries";

    /**
     * {@value #REGISTRY_MIRROR_KEY} (RGRID_ORCHESTRATOR_BOOTSTRAP_DOCKER_REGISTRY_MIRROR): a Docker Hub
     * mirror, {@code host:port} or a URL (e.g. the control plane's registry, {@code 10.0.0.2:5000});
     * TLS unless listed insecure.
     */
    Optional<String> registryMirror();

    /**
     * {@value #INSECURE_REGISTRIES_KEY} (RGRID_ORCHESTRATOR_BOOTSTRAP_DOCKER_INSECURE_REGISTRIES):
     * registries ({@code host:port} or a CIDR) the workers' Docker reaches over plain HTTP or
     * unverified TLS. Only for a private network.
     */
    Optional<List<String>> insecureRegistries();

    /** The Docker daemon's configuration file on the worker. */
    @WithDefault("/etc/docker/daemon.json")
    String daemonConfig();

    /** Run after the file changed, so that Docker reads it. */
    @WithDefault("systemctl restart docker")
    String restartCommand();
}
