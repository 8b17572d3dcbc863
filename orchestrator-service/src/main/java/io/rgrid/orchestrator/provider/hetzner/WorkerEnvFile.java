package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.expandPath;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.parent;
import static io.rgrid.orchestrator.provider.hetzner.SshWorkerBootstrap.CONFIGURE;

/**
 * What the bootstrap's {@value SshWorkerBootstrap#CONFIGURE} step writes: the agent's environment
 * file (id, token, address, Kafka and the worker's own login, the machine type's size, the extra
 * agent environment), and where the agent listens. Its values are credentials: a refusal names the
 * variable, never its value.
 */
final class WorkerEnvFile {

    private final SshWorkerBootstrap.Settings settings;

    WorkerEnvFile(SshWorkerBootstrap.Settings settings) {
        this.settings = settings;
    }

    /** Where the Kafka CA goes on the worker: next to the env file. */
    String remoteKafkaCaFile(Target target) {
        return parent(expandPath(settings.remoteEnvFile(), target)) + "/kafka-ca.pem";
    }

    /**
     * The agent's environment file (systemd EnvironmentFile and sh both read it): single-quoted
     * values, so nothing is expanded.
     */
    String envFile(Target target) throws BootstrapException {
        String host = agentHost(target);
        if (host == null) {
            throw new BootstrapException(CONFIGURE, target.serverName() + " has no private network address for its "
                    + "agent (rgrid.orchestrator.bootstrap.agent-address=private)", null);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RGRID_WORKER_ID", target.workerId());
        env.put("RGRID_WORKER_TOKEN", target.token());
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", agentAddress(target));
        env.put("QUARKUS_HTTP_HOST", host);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(settings.agentPort()));
        env.putAll(settings.kafkaEnv());
        try {
            // The worker's own login (KafkaClients.workerEnvironment always names the protocol).
            env.putAll(KafkaClients.loginEnvironment(settings.kafkaEnv().getOrDefault("RGRID_KAFKA_SECURITY_PROTOCOL",
                    KafkaIdentity.PLAINTEXT), target.kafkaLogin()));
        } catch (IllegalStateException e) {
            throw new BootstrapException(CONFIGURE, e.getMessage(), e);
        }
        if (settings.kafkaCaFile() != null) {
            env.put("RGRID_KAFKA_CA_FILE", remoteKafkaCaFile(target));
        }
        if (target.size() != null) {
            // The type's nominal size, not what the kernel reports (a little less memory): the
            // autoscaler chose the type for an execution of up to exactly this size.
            env.put("RGRID_WORKER_CPUS", Double.toString(target.size().cpus()));
            env.put("RGRID_WORKER_MEMORY_MB", Integer.toString(target.size().memoryMb()));
        }
        env.putAll(settings.agentEnv());
        return render(env);
    }

    /**
     * The file's text: a header, then {@code NAME='value'} per entry in order (a null value is
     * empty). Refuses a name that is not an environment variable's and a value the single quotes
     * cannot carry (a quote, backslash or newline), naming the variable only.
     */
    static String render(Map<String, String> env) throws BootstrapException {
        StringBuilder sb = new StringBuilder("# Written by the orchestrator's SSH bootstrap; mode 0600.\n");
        for (Map.Entry<String, String> e : env.entrySet()) {
            String value = e.getValue() == null ? "" : e.getValue();
            if (!e.getKey().matches("[A-Z_][A-Z0-9_]*")) {
                throw new BootstrapException(CONFIGURE, "not an environment variable name: '" + e.getKey() + "'", null);
            }
            if (value.contains("'") || value.contains("\n") || value.contains("\\")) {
                // Named, never shown: the value may be a credential.
                throw new BootstrapException(CONFIGURE, "the value of " + e.getKey()
                        + " contains a quote, backslash or newline, which the env file cannot carry", null);
            }
            sb.append(e.getKey()).append("='").append(value).append("'\n");
        }
        return sb.toString();
    }

    /** The base URL the agent listens at, or null when the server has no address for it. */
    String agentAddress(Target target) {
        String host = agentHost(target);
        return host == null ? null : "http://" + host + ":" + settings.agentPort();
    }

    /** The address the agent binds: the private-network IP, or the one SSH used (agent-address=ssh). */
    private String agentHost(Target target) {
        String host = settings.agentOnSshAddress() ? target.sshHost() : target.privateIp();
        return host == null || host.isBlank() ? null : host;
    }
}
