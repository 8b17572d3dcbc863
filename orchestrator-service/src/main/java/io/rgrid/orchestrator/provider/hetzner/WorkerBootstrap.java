package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.kafka.WorkerLogin;

import java.time.Duration;

/**
 * Turns a freshly created, running Hetzner server into a worker: connects over SSH, pins the host
 * key, pushes the worker-agent distribution and its configuration, starts the agent. The
 * Hetzner provider calls it once the server is {@code running}; waiting for the first
 * heartbeat is the caller's.
 */
public interface WorkerBootstrap {

    /**
     * Bootstraps one server. Each step has its own timeout; the whole call ends within
     * {@code budget}.
     *
     * @throws BootstrapException with the step that failed and why
     */
    void bootstrap(Target target, Duration budget) throws BootstrapException;

    /**
     * Readies what every bootstrap sends, while a server just created boots (the Hetzner provider
     * calls it on its own thread at create, so it overlaps the ~40 s until the server is
     * {@code running}). The SSH bootstrap packs the agent archive here: ~6 s of gzip for a
     * ~90 MB distribution, which otherwise fell inside the first worker's bootstrap. A failure is
     * the bootstrap's to report; this only starts the work early.
     */
    default void prepare() {
    }

    /**
     * The base URL the agent on {@code target} will listen at, as its bootstrap configures it:
     * the worker's address in the registry, from the provider's server object, never from a
     * heartbeat. Null when the server has no address the agent could listen on.
     */
    String agentAddress(Target target);

    /**
     * The server to bootstrap and the identity its agent gets (the token and the Kafka password are
     * never logged), its machine type: the agent offers that type's CPUs and memory, exactly what
     * the autoscaler chose the type for (null: the agent measures its host), and its own Kafka
     * login (null under PLAINTEXT).
     */
    record Target(String serverName, long serverId, String workerId, String token,
                  String sshHost, int sshPort, String privateIp, MachineType size, WorkerLogin kafkaLogin) {

        public Target(String serverName, long serverId, String workerId, String token, String sshHost, int sshPort,
                      String privateIp) {
            this(serverName, serverId, workerId, token, sshHost, sshPort, privateIp, null, null);
        }

        @Override
        public String toString() {
            return "Target[" + serverName + " (" + serverId + "), worker " + workerId + ", ssh " + sshHost + ":" + sshPort
                    + ", private " + privateIp + "]";
        }
    }

    /** A bootstrap step that failed: which one and why, never a credential. */
    final class BootstrapException extends Exception {
        private final String step;

        public BootstrapException(String step, String message, Throwable cause) {
            super(step + ": " + message, cause);
            this.step = step;
        }

        public String step() {
            return step;
        }
    }
}
