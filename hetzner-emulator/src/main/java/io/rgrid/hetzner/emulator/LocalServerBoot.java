package io.rgrid.hetzner.emulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The emulator's "real boot": an emulated server that reaches {@code running} becomes reachable
 * through a real sshd, so a provider's SSH bootstrap can turn it into a worker on this host.
 *
 * <p>For each server, in {@code root/<server name>/}:
 * <ol>
 * <li>the cloud-init equivalent: its user_data is kept as {@code user-data} and must be a
 * {@code #cloud-config} document (else the boot fails, logged, and no sshd starts, as a server
 * whose cloud-init broke would never get its agent); nothing in it is executed (Docker and Java
 * are this host's), and {@code cloud-init.done} is written last, the stand-in for
 * {@code cloud-init status --wait} returning;</li>
 * <li>an sshd ({@link LocalSshd}) on the server's public IPv4 (use
 * {@link HetznerEmulator.Builder#publicIpv4Prefix} with a {@code 127.x.y} prefix: every address in
 * 127.0.0.0/8 is local on Linux) at the shared {@code sshPort}, with its own host key and the
 * public keys of the SSH keys the server was created with as authorized_keys.</li>
 * </ol>
 * When the server is deleted, the process whose pid is in {@code worker-agent.pid} in its directory
 * (the agent the bootstrap started) is stopped (SIGTERM, then SIGKILL after the grace period), then
 * its sshd. {@link #close()} does the same for every server still up.
 */
public final class LocalServerBoot implements ServerLifecycleListener, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalServerBoot.class.getName());

    /** File in the server's directory the agent's pid is expected in. */
    public static final String AGENT_PID_FILE = "worker-agent.pid";
    /** Written once the cloud-init equivalent is done. */
    public static final String CLOUD_INIT_DONE = "cloud-init.done";

    private final HetznerEmulator emulator;
    private final Path root;
    private final int sshPort;
    private final long agentGraceSeconds;
    private final Map<Long, LocalSshd> sshds = new ConcurrentHashMap<>();
    private final Map<Long, Path> dirs = new ConcurrentHashMap<>();

    /**
     * @param root    where each server's directory goes
     * @param sshPort the port every server's sshd listens on (each on its own address)
     */
    public LocalServerBoot(HetznerEmulator emulator, Path root, int sshPort, long agentGraceSeconds) {
        this.emulator = emulator;
        this.root = root.toAbsolutePath().normalize();
        this.sshPort = sshPort;
        this.agentGraceSeconds = agentGraceSeconds;
    }

    /** The directory of a server by name (what the bootstrap's remote paths point into). */
    public Path serverDir(String serverName) {
        return root.resolve(serverName);
    }

    /** Servers whose sshd runs now. */
    public int running() {
        return sshds.size();
    }

    @Override
    public void onRunning(ServerInfo server) {
        try {
            boot(server);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "boot of " + server.name() + " failed: " + e.getMessage(), e);
        }
    }

    private void boot(ServerInfo server) throws IOException {
        if (server.publicIpv4() == null || !server.publicIpv4().startsWith("127.")) {
            throw new IOException("server " + server.name() + " has public IPv4 " + server.publicIpv4()
                    + ", not a loopback address: build the emulator with publicIpv4Prefix(\"127.0.100\")");
        }
        Path dir = serverDir(server.name());
        Files.createDirectories(dir);
        dirs.put(server.id(), dir);
        String userData = server.userData() == null ? "" : server.userData();
        Files.writeString(dir.resolve("user-data"), userData);
        if (!userData.startsWith("#cloud-config")) {
            throw new IOException("user_data of " + server.name() + " is not a #cloud-config document");
        }
        List<String> keys = new ArrayList<>();
        for (long id : server.sshKeyIds()) {
            emulator.sshPublicKey(id).ifPresent(keys::add);
        }
        Files.writeString(dir.resolve(CLOUD_INIT_DONE), "status: done\n");
        LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"), server.publicIpv4(), sshPort, keys);
        sshds.put(server.id(), sshd);
        LOG.info(() -> "booted " + server.name() + ": sshd on " + server.publicIpv4() + ":" + sshPort + " with "
                + keys.size() + " authorized key(s)");
    }

    @Override
    public void onDeleted(ServerInfo server) {
        shutDown(server.id());
    }

    private void shutDown(long serverId) {
        Path dir = dirs.remove(serverId);
        if (dir != null) {
            stopAgent(dir);
        }
        LocalSshd sshd = sshds.remove(serverId);
        if (sshd != null) {
            sshd.close();
        }
    }

    private void stopAgent(Path dir) {
        Path pidFile = dir.resolve(AGENT_PID_FILE);
        Optional<ProcessHandle> agent;
        try {
            agent = Files.exists(pidFile)
                    ? ProcessHandle.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip()))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            LOG.warning("unreadable " + pidFile + ": " + e.getMessage());
            return;
        }
        agent.filter(ProcessHandle::isAlive).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(agentGraceSeconds, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
            LOG.info(() -> "stopped the agent (pid " + p.pid() + ") of " + dir.getFileName());
        });
    }

    @Override
    public void close() {
        for (Long id : List.copyOf(sshds.keySet())) {
            shutDown(id);
        }
        for (Long id : List.copyOf(dirs.keySet())) {
            shutDown(id);
        }
    }
}
