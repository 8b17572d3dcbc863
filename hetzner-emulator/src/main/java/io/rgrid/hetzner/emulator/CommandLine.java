package io.rgrid.hetzner.emulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/** The emulator as a program: {@code java … io.rgrid.hetzner.emulator.HetznerEmulator [options]}. */
final class CommandLine {

    private CommandLine() {
    }

    /**
     * Runs the emulator until killed (what {@link HetznerEmulator#main} does). Options: {@code --port N} (default 8085), {@code --host H} (default 127.0.0.1),
     * {@code --token T} (default: env HETZNER_EMULATOR_TOKEN, else emulator-token), {@code --boot-delay-ms N},
     * {@code --public-ipv4-prefix 127.0.100}, and {@code --boot-dir DIR [--ssh-port N]} (default 2222) for a
     * {@link LocalServerBoot}: running servers get a real sshd; or {@code --containers NETWORK [--node-image IMG]
     * [--container-prefix P] [--container-label L] [--boot-timeout-s N]} for {@link ContainerMachines}: each server
     * a node container on that Docker network.
     */
    static void run(String[] args) throws InterruptedException {
        HetznerEmulator.Builder b = HetznerEmulator.builder().port(8085);
        Path bootDir = null;
        int sshPort = 2222;
        String containerNetwork = null;
        String nodeImage = "rgrid/node:debian12";
        String containerPrefix = "rgrid-node";
        String containerLabel = "hetzner-emulator";
        Duration bootTimeout = Duration.ofSeconds(180);
        String envToken = System.getenv("HETZNER_EMULATOR_TOKEN");
        if (envToken != null && !envToken.isBlank()) {
            b.token(envToken);
        }
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> b.port(Integer.parseInt(Objects.requireNonNull(value, "--port needs a value")));
                case "--host" -> b.host(Objects.requireNonNull(value, "--host needs a value"));
                case "--token" -> b.token(Objects.requireNonNull(value, "--token needs a value"));
                case "--boot-dir" -> bootDir = Path.of(Objects.requireNonNull(value, "--boot-dir needs a value"));
                case "--ssh-port" -> sshPort = Integer.parseInt(Objects.requireNonNull(value, "--ssh-port needs a value"));
                case "--public-ipv4-prefix" -> b.publicIpv4Prefix(Objects.requireNonNull(value, "--public-ipv4-prefix needs a value"));
                case "--containers" -> containerNetwork = Objects.requireNonNull(value, "--containers needs a network");
                case "--node-image" -> nodeImage = Objects.requireNonNull(value, "--node-image needs a value");
                case "--container-prefix" -> containerPrefix = Objects.requireNonNull(value, "--container-prefix needs a value");
                case "--container-label" -> containerLabel = Objects.requireNonNull(value, "--container-label needs a value");
                case "--boot-timeout-s" -> bootTimeout = Duration.ofSeconds(
                        Long.parseLong(Objects.requireNonNull(value, "--boot-timeout-s needs a value")));
                case "--boot-delay-ms" -> {
                    Duration d = Duration.ofMillis(Long.parseLong(Objects.requireNonNull(value, "--boot-delay-ms needs a value")));
                    b.bootDelays(d, d);
                }
                default -> {
                    System.err.println("usage: HetznerEmulator [--port N] [--host H] [--token T] [--boot-delay-ms N] "
                            + "[--public-ipv4-prefix 127.0.100 --boot-dir DIR [--ssh-port N]] "
                            + "[--containers NETWORK [--node-image IMG] [--container-prefix P] [--container-label L] "
                            + "[--boot-timeout-s N]]");
                    System.exit(2);
                }
            }
            i++;
        }
        if (containerNetwork != null) {
            b.machines(new ContainerMachines(new ContainerMachines.Settings(containerNetwork, nodeImage, containerPrefix,
                    containerLabel, bootTimeout)));
            System.out.println("servers are " + nodeImage + " containers on Docker network " + containerNetwork);
        }
        HetznerEmulator emulator = b.build().start();
        LocalServerBoot boot = bootDir == null ? null : new LocalServerBoot(emulator, bootDir, sshPort, 15);
        if (boot != null) {
            emulator.addListener(boot);
            System.out.println("servers boot into " + bootDir + " with an sshd on <public IPv4>:" + sshPort);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.stop();
            if (boot != null) {
                boot.close();
            }
            stopped.countDown();
        }));
        System.out.println("Hetzner Cloud API emulator listening on " + emulator.baseUrl());
        stopped.await();
    }
}
