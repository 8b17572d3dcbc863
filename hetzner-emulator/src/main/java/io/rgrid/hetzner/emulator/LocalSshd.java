package io.rgrid.hetzner.emulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server ({@code /usr/sbin/sshd}, Debian's openssh-server) on a loopback address,
 * run as the current user with its own host key, config and authorized_keys in {@code dir}: what an
 * emulated server's "sshd" is, and what the SSH bootstrap's tests connect to. Logins are by public
 * key only, as the current user (root in CI), with the {@code internal-sftp} subsystem.
 */
public final class LocalSshd implements AutoCloseable {

    /** Where Debian's openssh-server puts the daemon. */
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final String address;
    private final int port;
    private Process process;

    private LocalSshd(Path dir, String address, int port) {
        this.dir = dir;
        this.address = address;
        this.port = port;
    }

    /** True when sshd and ssh-keygen are installed. */
    public static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    /**
     * Starts sshd on {@code address:port} with the host key in {@code dir/ssh_host_ed25519_key}
     * (generated when missing, so a restart with the same dir keeps the key) and the given
     * authorized public keys. Returns once the port accepts connections.
     */
    public static LocalSshd start(Path dir, String address, int port, List<String> authorizedKeys) throws IOException {
        Files.createDirectories(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        if (!Files.exists(hostKey)) {
            keygen(hostKey, "emulated-host");
        }
        Files.write(dir.resolve("authorized_keys"), authorizedKeys);
        // sshd refuses to start without its privilege separation directory (Debian: /run/sshd).
        Path privsep = Path.of("/run/sshd");
        if (!Files.isDirectory(privsep) && "root".equals(System.getProperty("user.name"))) {
            Files.createDirectories(privsep);
        }
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress " + address,
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "UseDNS no",
                "MaxStartups 50",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE",
                ""));
        LocalSshd sshd = new LocalSshd(dir, address, port);
        sshd.process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!sshd.process.isAlive()) {
                throw new IOException("sshd exited with " + sshd.process.exitValue() + ": "
                        + Files.readString(dir.resolve("sshd.log")).strip());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 200);
                return sshd;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        sshd.close();
        throw new IOException("sshd did not listen on " + address + ":" + port + " within 15 s");
    }

    /** {@code ssh-keygen -t ed25519 -N '' -f file}: writes file (private) and file.pub. */
    public static void keygen(Path file, String comment) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(Path.of(file + ".pub"));
        Process p = new ProcessBuilder("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f",
                file.toString()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("ssh-keygen failed: " + new String(p.getInputStream().readAllBytes()).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The host key's public half ({@code ssh-ed25519 AAAA... comment}). */
    public String hostPublicKey() throws IOException {
        return Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).strip();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Stops the listener (sessions it forked end with their connections). */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
