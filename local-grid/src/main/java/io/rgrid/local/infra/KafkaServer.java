package io.rgrid.local.infra;

import io.rgrid.model.KafkaPrincipals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process), run as a
 * child JVM from the Kafka jars Maven resolved into local-grid's lib/ directory.
 *
 * <p>Like every broker RGrid ships (deploy/kafka/server.properties) it authenticates every
 * client: its one client listener is SASL_SSL with SCRAM-SHA-512 users ({@link KafkaPrincipals},
 * added when the storage is formatted), its controller listener (loopback) TLS that admits only
 * the broker's own certificate; the StandardAuthorizer denies what no ACL allows, the broker and
 * the control plane are super users. The key and passwords are generated with the data directory
 * ({@link KafkaSecrets}); a data directory formatted before brokers had them, or before the
 * {@link KafkaPrincipals#SCRAM_ANCHOR} user that keeps them across restarts, is formatted again.
 */
public final class KafkaServer {

    private final ManagedProcess process;
    private final int port;
    private final KafkaSecrets secrets;

    /** Written after a format that added {@link KafkaPrincipals#SCRAM_ANCHOR}; a data directory without it is formatted again. */
    private static final String FORMAT_MARKER = "format.properties";
    private static final String ANCHOR_LINE = "scram.anchor=" + KafkaPrincipals.SCRAM_ANCHOR;

    private KafkaServer(ManagedProcess process, int port, KafkaSecrets secrets) {
        this.process = process;
        this.port = port;
        this.secrets = secrets;
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
            Path formatMarker = dataDir.resolve(FORMAT_MARKER);
            if (Files.exists(logDirs.resolve("meta.properties"))
                    && (!KafkaSecrets.existIn(dataDir) || !anchorIn(formatMarker))) {
                // Formatted without SCRAM users (no client could log in), or without the anchor user
                // (a restart could lose every login: KafkaPrincipals.SCRAM_ANCHOR): format again.
                deleteTree(logDirs);
            }
            KafkaSecrets secrets = KafkaSecrets.loadOrCreate(dataDir);
            Files.deleteIfExists(config);
            Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(config, """
                    process.roles=broker,controller
                    node.id=1
                    controller.quorum.voters=1@127.0.0.1:%2$d
                    listeners=SASL_SSL://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                    advertised.listeners=SASL_SSL://127.0.0.1:%1$d
                    controller.listener.names=CONTROLLER
                    inter.broker.listener.name=SASL_SSL
                    listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
                    sasl.enabled.mechanisms=SCRAM-SHA-512
                    sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
                    listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=%4$s
                    ssl.keystore.type=PKCS12
                    ssl.keystore.location=%5$s
                    ssl.keystore.password=%6$s
                    ssl.key.password=%6$s
                    ssl.truststore.type=PEM
                    ssl.truststore.location=%7$s
                    listener.name.controller.ssl.client.auth=required
                    authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                    allow.everyone.if.no.acl.found=false
                    super.users=%8$s
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
                    """.formatted(port, controllerPort, logDirs,
                    jaas(KafkaPrincipals.BROKER, secrets.password(KafkaPrincipals.BROKER)), secrets.keystore(),
                    secrets.keystorePassword(), secrets.caFile(),
                    KafkaPrincipals.superUsers() + ";User:" + KafkaSecrets.TLS_NAME));
            String classpath = libDir.resolve("*").toString();
            if (!Files.exists(logDirs.resolve("meta.properties"))) {
                byte[] id = new byte[16];
                new SecureRandom().nextBytes(id);
                // The first character must not be '-' (base64url 62), which the storage tool reads as
                // an option: with the top bit clear the first character is one of A-Z, a-f.
                id[0] &= 0x7F;
                String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
                // The SCRAM users' passwords go to the storage tool in an argument file (0600), never on
                // its command line, which every local user can read in ps.
                List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t", clusterId,
                        "-c", config.toString()));
                format.addAll(secrets.scramFormatArguments());
                Path args = dataDir.resolve("format.args");
                Files.deleteIfExists(args);
                Files.createFile(args, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(args, format.stream().map(arg -> "\"" + arg + "\"").toList()); // quoted: a path may hold spaces
                try {
                    waitForExit(ManagedProcess.start("kafka-format", List.of(ManagedProcess.javaBinary(), "-Xmx256m", "-cp",
                            classpath, "@" + args), Map.of(), logFile), Duration.ofSeconds(60));
                } finally {
                    Files.deleteIfExists(args);
                }
                Files.writeString(formatMarker, ANCHOR_LINE + "\n");
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
            return new KafkaServer(broker, port, secrets);
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka did not start: " + e.getMessage(), e);
        }
    }

    private static boolean anchorIn(Path formatMarker) throws IOException {
        return Files.exists(formatMarker) && Files.readAllLines(formatMarker).contains(ANCHOR_LINE);
    }

    /** The JAAS line of a SCRAM login (the same as service-platform's KafkaIdentity writes for clients). */
    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
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

    /** The broker's CA file and its users' passwords. */
    public KafkaSecrets secrets() {
        return secrets;
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
