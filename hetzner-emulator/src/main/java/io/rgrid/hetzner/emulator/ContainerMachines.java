package io.rgrid.hetzner.emulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Servers as node containers (the rehearsal's hosts, infra/rehearsal/node-image.sh): each server is a container of
 * the node image on a Docker network the caller made, at a fixed address, booting systemd as PID 1 and applying its
 * user_data with cloud-init from a NoCloud seed. Runs the {@code docker} CLI of this machine.
 *
 * <p>Containers are named {@code <prefix>-<server name>} and labelled {@code rgrid.rehearsal=<label>}, so whoever
 * made them can remove them all by label; {@code /var/lib/docker} is an anonymous volume (overlay2 for the node's own
 * Docker Engine) removed with the container.
 */
public final class ContainerMachines implements ServerMachines {

    private static final Logger LOG = Logger.getLogger(ContainerMachines.class.getName());
    private static final long POLL_MILLIS = 250;

    private final Settings settings;

    /**
     * @param network     the Docker network every server joins (made by the caller; the server's address must lie
     *                    in its subnet)
     * @param image       the node image, e.g. {@code rgrid/node:debian12}
     * @param namePrefix  container names are {@code <namePrefix>-<server name>}
     * @param label       value of the {@code rgrid.rehearsal} label on every container
     * @param bootTimeout how long a boot may take before the server's start action fails
     */
    public record Settings(String network, String image, String namePrefix, String label, Duration bootTimeout) {
        public Settings {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(namePrefix, "namePrefix");
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(bootTimeout, "bootTimeout");
        }
    }

    public ContainerMachines(Settings settings) {
        this.settings = settings;
    }

    /** The container of a server. */
    public String containerName(ServerInfo server) {
        return settings.namePrefix() + "-" + server.name();
    }

    @Override
    public void create(ServerInfo server, String address, List<String> authorizedKeys) throws IOException {
        String name = containerName(server);
        docker("create", "--name", name, "--hostname", server.name(),
                "--label", "rgrid.rehearsal=" + settings.label(),
                "--label", "io.rgrid.hetzner.server-id=" + server.id(),
                // The flags that boot systemd in a container here (--privileged fails: ENVIRONMENT.md).
                "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
                "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
                "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
                "--stop-signal", "SIGRTMIN+3",
                "-v", "/var/lib/docker",
                "--network", settings.network(), "--ip", address,
                settings.image(), "/sbin/init");
        Path seed = Files.createTempDirectory("rgrid-nocloud-");
        try {
            Files.writeString(seed.resolve("meta-data"), NoCloudSeed.metaData(server, authorizedKeys));
            Files.writeString(seed.resolve("user-data"), NoCloudSeed.userData(server));
            docker("cp", seed + "/.", name + ":/var/lib/cloud/seed/nocloud/");
        } finally {
            for (String f : List.of("meta-data", "user-data")) {
                Files.deleteIfExists(seed.resolve(f));
            }
            Files.deleteIfExists(seed);
        }
        LOG.info(() -> "created " + name + " at " + address + " with " + authorizedKeys.size() + " SSH key(s)");
    }

    @Override
    public void start(ServerInfo server) throws IOException {
        String name = containerName(server);
        docker("start", name);
        long deadline = System.nanoTime() + settings.bootTimeout().toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            boolean running = "true".equals(docker("inspect", "--format", "{{.State.Running}}", name).strip());
            state = running ? Commands.run("docker", "exec", name, "systemctl", "is-system-running").output() : "";
            switch (BootProgress.of(running, state)) {
                case BOOTED -> {
                    String booted = state.strip();
                    LOG.info(() -> name + " booted (systemd " + booted + ")");
                    return;
                }
                case FAILED -> throw new IOException(name + " failed to boot: container running " + running
                        + ", systemd state '" + state.strip() + "'");
                case BOOTING -> sleep();
            }
        }
        throw new IOException(name + " did not boot within " + settings.bootTimeout().toSeconds()
                + " s (systemd state '" + state.strip() + "')");
    }

    @Override
    public void remove(ServerInfo server) {
        String name = containerName(server);
        try {
            Commands.Result r = Commands.run(List.of("docker", "rm", "-f", "-v", name));
            if (r.exit() == 0) {
                LOG.info(() -> "removed " + name);
            } else if (!r.output().contains("No such container")) {
                LOG.warning("docker rm " + name + " failed: " + r.output().strip());
            }
        } catch (IOException e) {
            LOG.warning("docker rm " + name + " failed: " + e.getMessage());
        }
    }

    private String docker(String... args) throws IOException {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("docker");
        command.addAll(List.of(args));
        Commands.Result r = Commands.run(command);
        if (r.exit() != 0) {
            throw new IOException("docker " + args[0] + " failed (exit " + r.exit() + "): " + r.output().strip());
        }
        return r.output();
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a boot", e);
        }
    }
}
