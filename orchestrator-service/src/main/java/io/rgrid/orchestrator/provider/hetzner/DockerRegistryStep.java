package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.Session;
import io.rgrid.orchestrator.config.WorkerDocker;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * The SSH bootstrap's {@value SshWorkerBootstrap#REGISTRY} step: reads the worker's Docker
 * daemon.json, merges the registries in ({@link DockerRegistries#mergeInto}) and, only when that
 * changed the file, writes it (through a temporary file, so Docker never reads half of it) and
 * runs the restart command. Nothing configured: no command is run at all.
 *
 * @param registries     what the workers' Docker gets
 * @param daemonConfig   the file on the worker ({@code /etc/docker/daemon.json})
 * @param restartCommand run after writing it ({@code systemctl restart docker})
 */
record DockerRegistryStep(DockerRegistries registries, String daemonConfig, String restartCommand) {

    DockerRegistryStep {
        Objects.requireNonNull(registries, "registries");
        Objects.requireNonNull(daemonConfig, "daemonConfig");
        Objects.requireNonNull(restartCommand, "restartCommand");
    }

    static DockerRegistryStep from(WorkerDocker docker) {
        return new DockerRegistryStep(DockerRegistries.from(docker), docker.daemonConfig(), docker.restartCommand());
    }

    static DockerRegistryStep none() {
        return new DockerRegistryStep(DockerRegistries.none(), "/etc/docker/daemon.json", "true");
    }

    /** @return true when the file changed and Docker was restarted */
    boolean apply(Session session, long deadline) throws BootstrapException {
        if (registries.isEmpty()) {
            return false;
        }
        String step = SshWorkerBootstrap.REGISTRY;
        String file = RemoteShell.quote(daemonConfig);
        String current = RemoteShell.exec(session, step, "cat " + file + " 2>/dev/null || true", null,
                deadline, 0);
        Optional<String> merged;
        try {
            merged = registries.mergeInto(current);
        } catch (IllegalArgumentException e) {
            throw new BootstrapException(step, daemonConfig + " on the worker: " + e.getMessage()
                    + " (left as it is)", null);
        }
        if (merged.isEmpty()) {
            return false;
        }
        String tmp = RemoteShell.quote(daemonConfig + ".rgrid-tmp");
        int slash = daemonConfig.lastIndexOf('/');
        String dir = RemoteShell.quote(slash <= 0 ? "/" : daemonConfig.substring(0, slash));
        RemoteShell.exec(session, step, "set -e; umask 022; mkdir -p " + dir + "; cat > " + tmp + "; mv -f " + tmp
                + " " + file + "; " + restartCommand, merged.get().getBytes(StandardCharsets.UTF_8), deadline, 0);
        return true;
    }
}
