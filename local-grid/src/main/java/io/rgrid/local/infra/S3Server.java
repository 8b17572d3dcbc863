package io.rgrid.local.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An S3-compatible server: S3Proxy with its filesystem backend and V4 signatures, run as a
 * child JVM. It stands in for MinIO, which cannot be installed here; the services speak
 * plain S3 to it, exactly as to MinIO in production.
 */
public final class S3Server {

    private final ManagedProcess process;
    private final int port;

    private S3Server(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static S3Server start(Path s3proxyJar, Path dataDir, int port, String accessKey, String secretKey, Path logFile) {
        if (!Files.exists(s3proxyJar)) {
            throw new IllegalStateException("S3Proxy jar missing at " + s3proxyJar + "; build with ./mvnw -DskipTests install");
        }
        try {
            Path blobs = dataDir.resolve("blobs");
            Files.createDirectories(blobs);
            // It holds the secret key: readable by this user only, like the grid's other secrets.
            // The key reaches S3Proxy through this file, never through its command line.
            Path config = dataDir.resolve("s3proxy.properties");
            if (!Files.exists(config)) {
                Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(config, """
                    s3proxy.endpoint=http://127.0.0.1:%d
                    s3proxy.authorization=aws-v2-or-v4
                    s3proxy.identity=%s
                    s3proxy.credential=%s
                    jclouds.provider=filesystem
                    jclouds.identity=%s
                    jclouds.credential=%s
                    jclouds.filesystem.basedir=%s
                    """.formatted(port, accessKey, secretKey, accessKey, secretKey, blobs));
            ManagedProcess server = ManagedProcess.start("s3",
                    List.of(ManagedProcess.javaBinary(), "-Xms64m", "-Xmx256m", "-jar", s3proxyJar.toString(),
                            "--properties", config.toString()),
                    Map.of(), logFile);
            server.awaitPort(port, Duration.ofSeconds(60));
            return new S3Server(server, port);
        } catch (IOException e) {
            throw new UncheckedIOException("S3 server did not start: " + e.getMessage(), e);
        }
    }

    public String endpoint() {
        return "http://" + Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    public ManagedProcess process() {
        return process;
    }

    public void stop() {
        process.stop(Duration.ofSeconds(10));
    }
}
