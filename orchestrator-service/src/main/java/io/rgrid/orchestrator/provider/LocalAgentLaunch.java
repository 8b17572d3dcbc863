package io.rgrid.orchestrator.provider;

import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.kafka.KafkaClients;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a local agent is started: its command line ({@code java [@jvm.options] -jar <agent jar>})
 * and its environment (identity, port, address, the grid's Kafka with its own login; what it must
 * not inherit from the orchestrator withheld).
 */
final class LocalAgentLaunch {

    /** The agent's JVM argument file, next to its quarkus-run.jar. */
    static final String AGENT_JVM_OPTIONS = "jvm.options";

    private final RgridConfig config;

    LocalAgentLaunch(RgridConfig config) {
        this.config = config;
    }

    /**
     * Whether an environment variable is one agents must not inherit: the object store's settings
     * ({@code RGRID_STORAGE_*}, the seed's {@code MINIO_*}; agents reach the store only through each
     * assignment's presigned URLs) and the control plane's report-signing key
     * ({@code RGRID_REPORTS_SIGNING_KEY}; an agent holding it could sign any report, docs/security.md).
     */
    static boolean withheldFromAgents(String name) {
        return name.startsWith("RGRID_STORAGE_") || name.startsWith("MINIO_") || name.equals("RGRID_REPORTS_SIGNING_KEY");
    }

    /** The agent's environment: identity and token, its port and address, the grid's Kafka with its own login (no store key). */
    Map<String, String> agentEnvironment(CloudProvider.ProvisionRequest request, int port) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // Loopback only, as every service of the local grid: a container on Docker's bridge reaches
        // this host's other addresses (the bridge gateway), never its loopback (docs/security.md).
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("RGRID_WORKER_ID", request.workerId());
        env.put("RGRID_WORKER_TOKEN", request.token());
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", address(port));
        // Local agents run on the developer's own machine: when no Docker engine answers they fall
        // back to running scripts as processes (and say so) rather than refusing to start.
        env.put("RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
        // No egress rules on a developer's machine (they need root): executions use Docker's default
        // bridge, and what keeps them from the grid is that nothing of it listens beyond loopback.
        env.put("RGRID_WORKER_EGRESS_POLICY", "off");
        env.putAll(KafkaClients.workerEnvironment(config.kafka(), config.kafka().bootstrapServers()));
        env.putAll(KafkaClients.loginEnvironment(config.kafka().securityProtocol(), request.kafkaLogin()));
        env.putAll(config.orchestrator().local().agentEnv());
        return env;
    }

    static String address(int port) {
        return "http://127.0.0.1:" + port;
    }

    /**
     * {@code java [@jvm.options] -jar <agent jar>}: the agent's JVM options are its own list,
     * packaged next to its jar (worker-agent's {@code src/main/jvm/jvm.options}); an older build
     * without it starts with the JVM's defaults.
     */
    static List<String> agentCommand(Path jar) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        Path options = jar.toAbsolutePath().resolveSibling(AGENT_JVM_OPTIONS);
        if (Files.isRegularFile(options)) {
            command.add("@" + options);
        }
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString();
    }

    private static boolean isWindows() {
        return File.separatorChar == '\\';
    }
}
