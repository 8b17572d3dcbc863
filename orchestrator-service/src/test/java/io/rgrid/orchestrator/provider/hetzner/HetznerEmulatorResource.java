package io.rgrid.orchestrator.provider.hetzner;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rgrid.hetzner.emulator.HetznerEmulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * Starts the repository's Hetzner Cloud API emulator in this JVM on a free port and points the
 * orchestrator's {@code hetzner} provider at it (pool {@code it}), with a generated SSH public key
 * and a small cloud-init template. Only for the profile that lists it (never global).
 */
public class HetznerEmulatorResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOKEN = "hz-secret-0123456789abcdef-token";
    public static final String POOL = "it";

    private static volatile HetznerEmulator emulator;
    private static volatile Path dir;

    public static HetznerEmulator emulator() {
        return emulator;
    }

    /** The generated key pair's private half path (its public half is {@code <path>.pub}). */
    public static Path sshKeyPath() {
        return dir.resolve("worker.key");
    }

    public static Path template() {
        return dir.resolve("worker.yaml");
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createDirectories(Path.of("target", "hetzner-test").toAbsolutePath());
            Files.writeString(Path.of(sshKeyPath() + ".pub"), ed25519PublicKey("rgrid-test"), StandardCharsets.UTF_8);
            Files.writeString(template(), """
                    #cloud-config
                    # worker ${RGRID_WORKER_ID} of pool ${RGRID_POOL} (${RGRID_SERVER_TYPE} in ${RGRID_LOCATION})
                    runcmd:
                      - echo "home is ${HOME}" > /tmp/${RGRID_WORKER_ID}
                    """, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        emulator = HetznerEmulator.builder().token(TOKEN)
                .bootDelays(Duration.ofMillis(100), Duration.ofMillis(100))
                .deleteDelay(Duration.ofMillis(50))
                .serverLimit(200)
                .build().start();
        return Map.ofEntries(
                Map.entry("rgrid.orchestrator.provider", "hetzner"),
                Map.entry("rgrid.orchestrator.hetzner.api-url", emulator.baseUrl()),
                Map.entry("rgrid.orchestrator.hetzner.api-token", TOKEN),
                Map.entry("rgrid.orchestrator.hetzner.pool", POOL),
                Map.entry("rgrid.orchestrator.hetzner.ssh-key-path", sshKeyPath().toString()),
                Map.entry("rgrid.orchestrator.hetzner.cloud-init-template", template().toString()),
                Map.entry("rgrid.orchestrator.hetzner.poll-interval", "100ms"),
                Map.entry("rgrid.orchestrator.hetzner.max-rate-limit-wait", "30s"),
                // Nothing queued in this test: the autoscaler must not create workers of its own.
                Map.entry("rgrid.orchestrator.scaling.max-workers", "0"),
                Map.entry("rgrid.orchestrator.lifecycle.reconcile-interval", "1s"));
    }

    @Override
    public void stop() {
        if (emulator != null) {
            emulator.stop();
            emulator = null;
        }
    }

    /** A fresh Ed25519 public key in OpenSSH's one-line form. */
    static String ed25519PublicKey(String comment) {
        try {
            byte[] x509 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
            byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
            byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer blob = ByteBuffer.allocate(4 + type.length + 4 + raw.length);
            blob.putInt(type.length).put(type).putInt(raw.length).put(raw);
            return "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.array()) + " " + comment + "\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
