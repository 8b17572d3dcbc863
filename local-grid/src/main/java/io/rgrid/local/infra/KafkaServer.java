package io.rgrid.local.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process), run as a
 * child JVM from the Kafka jars Maven resolved into local-grid's lib/ directory.
 */
public final class KafkaServer {

    private final ManagedProcess process;
    private final int port;

    private KafkaServer(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static KafkaServer start(Path libDir, Path dataDir, int port, int controllerPort, Path logFile) {
        return start(libDir, dataDir, port, controllerPort, logFile, Duration.ofSeconds(90));
    }

    /**
     * Starts the broker and waits up to {@code startTimeout} for its port. A broker that is not up
     * in time is stopped before the error is thrown, so no caller is left with a stray broker.
     * (The chaos suite restarts Kafka on the same ports and data mid-run, and on a loaded machine
     * gives it longer than the local grid's 90 s.)
     */
    public static KafkaServer start(Path libDir, Path dataDir, int port, int controllerPort, Path logFile, Duration startTimeout) {
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve("server.properties");
            Path logDirs = dataDir.resolve("data");
            Files.writeString(config, """
                    process.roles=broker,controller
                    node.id=1
                    controller.quorum.voters=1@127.0.0.1:%2$d
                    listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                    advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                    controller.listener.names=CONTROLLER
                    inter.broker.listener.name=PLAINTEXT
                    listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                    log.dirs=%3$s
                    num.partitions=6
                    offsets.topic.replication.factor=1
                    offsets.topic.num.partitions=6
                    transaction.state.log.replication.factor=1
                    transaction.state.log.min.isr=1
                    share.coordinator.state.topic.replication.factor=1
                    share.coordinator.state.topic.min.isr=1
                    group.initial.rebalance.delay.ms=0
                    auto.create.topics.enable=false
                    log.retention.hours=168
                    log.segment.bytes=67108864
                    """.formatted(port, controllerPort, logDirs));
            String classpath = libDir.resolve("*").toString();
            if (!Files.exists(logDirs.resolve("meta.properties"))) {
                byte[] id = new byte[16];
                new SecureRandom().nextBytes(id);
                // The first character must not be '-' (base64url 62), which the storage tool reads as
                // an option: with the top bit clear the first character is one of A-Z, a-f.
                id[0] &= 0x7F;
                String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
                ManagedProcess format = ManagedProcess.start("kafka-format",
                        List.of(ManagedProcess.javaBinary(), "-Xmx256m", "-cp", classpath, "kafka.tools.StorageTool",
                                "format", "-t", clusterId, "-c", config.toString()),
                        Map.of(), logFile);
                waitForExit(format, Duration.ofSeconds(60));
            }
            ManagedProcess broker = ManagedProcess.start("kafka",
                    List.of(ManagedProcess.javaBinary(), "-Xms128m", "-Xmx512m", "-XX:+UseG1GC",
                            "-cp", classpath, "kafka.Kafka", config.toString()),
                    Map.of(), logFile);
            try {
                broker.awaitPort(port, startTimeout);
            } catch (RuntimeException e) {
                broker.stop(Duration.ofSeconds(10));
                throw e;
            }
            return new KafkaServer(broker, port);
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka did not start: " + e.getMessage(), e);
        }
    }

    private static void waitForExit(ManagedProcess format, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (format.isAlive()) {
            if (System.nanoTime() > deadline) {
                format.stop(Duration.ofSeconds(1));
                throw new IllegalStateException("formatting Kafka storage took too long; see " + format.logFile());
            }
            ManagedProcess.sleep(100);
        }
    }

    public String bootstrapServers() {
        return Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    public ManagedProcess process() {
        return process;
    }

    public void stop() {
        process.stop(Duration.ofSeconds(20));
    }
}
