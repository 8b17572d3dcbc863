package io.rgrid.testinfra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts the real servers a test run needs once per run, not once per test class or module.
 *
 * <p>The first JVM that asks launches {@code local-grid.jar test-servers} as a background
 * process (PostgreSQL, Kafka and S3Proxy on free loopback ports) under
 * {@code <repo>/target/test-servers/}; every later test JVM of the same {@code mvn verify} finds
 * its {@code servers.json}, checks the servers answer, and reuses them. Each JVM renews a lease
 * file while it runs; the servers stop by themselves once the lease is idle for five minutes,
 * and {@code .ci/run} stops them at the end of a run.
 */
public final class SharedServers {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static Servers servers;

    private SharedServers() {
    }

    public static synchronized Servers get() {
        if (servers == null) {
            servers = startOrReuse();
            startLeaseRenewal();
        }
        return servers;
    }

    /** The repository root: surefire passes it as {@code build.repo.root}; otherwise found by walking up. */
    public static Path repoRoot() {
        String configured = System.getProperty("build.repo.root");
        if (configured != null && !configured.isBlank() && Files.isDirectory(Path.of(configured, "local-grid"))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("local-grid"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the RGrid repository root (no local-grid/ above " + Path.of("").toAbsolutePath() + ")");
        }
        return dir;
    }

    /** local-grid.jar, which runs the servers; fails naming the module to build when it is missing. */
    static Path localGridJar() {
        Path jar = repoRoot().resolve("local-grid").resolve("target").resolve("local-grid.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the local-grid module first (./mvnw install -pl local-grid)");
        }
        return jar;
    }

    static Path stateDir() {
        return repoRoot().resolve("target").resolve("test-servers");
    }

    private static Servers startOrReuse() {
        Path dir = stateDir();
        try {
            Files.createDirectories(dir.getParent());
            try (FileChannel channel = FileChannel.open(dir.getParent().resolve("test-servers.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                Servers running = readIfAlive(dir);
                if (running != null) {
                    log("reusing the test run's servers: " + running);
                    return running;
                }
                return launch(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the shared test servers: " + e.getMessage(), e);
        }
    }

    private static Servers readIfAlive(Path dir) throws IOException {
        Path file = dir.resolve("servers.json");
        if (!Files.exists(file)) {
            return null;
        }
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        long pid = json.path("pid").asLong();
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        Servers s = toServers(json);
        if (alive && !s.kafka().passwords().isEmpty() && answers(s.postgresPort()) && answers(port(s.kafkaBootstrap())) && answers(port(s.s3Endpoint()))) {
            touch(dir.resolve("lease"));
            return s;
        }
        return null;
    }

    private static Servers launch(Path dir) throws IOException {
        deleteTree(dir);
        Files.createDirectories(dir);
        Path jar = localGridJar();
        Path log = dir.resolve("test-servers.log");
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // outlives this JVM: the next module reuses it
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        command.addAll(List.of(java, "-Xmx128m", "-jar", jar.toString(), "test-servers", "--dir", dir.toString(),
                "--idle-timeout-seconds", "300"));
        log("starting the test run's PostgreSQL, Kafka and S3 (log: " + log + ")");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Path file = dir.resolve("servers.json");
        while (!Files.exists(file)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the test servers exited with code " + process.exitValue() + "; log:\n" + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                process.destroy();
                throw new IllegalStateException("the test servers were not ready within " + START_TIMEOUT.toMinutes() + " minutes; log:\n" + Files.readString(log));
            }
            sleep(200);
        }
        Servers started = toServers(new ObjectMapper().readTree(file.toFile()));
        log("test servers ready: " + started);
        return started;
    }

    private static Servers toServers(JsonNode json) {
        String kafka = json.path("kafkaBootstrap").asText();
        Map<String, String> passwords = new HashMap<>();
        json.path("kafkaPasswords").properties().forEach(e -> passwords.put(e.getKey(), e.getValue().asText()));
        return new Servers(json.path("postgresPort").asInt(), kafka, json.path("s3Endpoint").asText(),
                json.path("s3AccessKey").asText(), json.path("s3SecretKey").asText(),
                new KafkaLogins(kafka, json.path("kafkaCaFile").asText(), Map.copyOf(passwords)));
    }

    private static void startLeaseRenewal() {
        Path lease = stateDir().resolve("lease");
        Thread renewer = new Thread(() -> {
            while (true) {
                try {
                    touch(lease);
                    Thread.sleep(5000);
                } catch (IOException e) {
                    // the servers are gone or the directory was removed; nothing left to renew
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-servers-lease");
        renewer.setDaemon(true);
        renewer.start();
    }

    private static int port(String hostPortOrUrl) {
        String s = hostPortOrUrl.replaceFirst("^https?://", "");
        return Integer.parseInt(s.substring(s.lastIndexOf(':') + 1).replaceAll("/.*", ""));
    }

    static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void touch(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void log(String message) {
        System.out.println("[shared-servers] " + message);
    }
}
