package io.rgrid.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A Kafka broker of one test's own, which the test can make unreachable and bring back without
 * disturbing the run's shared servers (other test classes use those at the same time: never
 * pause or stop them).
 *
 * <p>{@link #start} runs {@code local-grid.jar kafka} as a child process (the same single-node
 * KRaft broker as the shared servers, on two free loopback ports, data and {@code kafka.log}
 * under the given directory). {@link #pause} sends SIGSTOP to the broker JVM: the kernel still
 * accepts connections and takes the bytes sent, but nothing answers, so clients see what they see
 * of a hung broker or a dead link (requests time out, reconnects hang), and no restart is needed.
 * {@link #resume} sends SIGCONT: the same broker, ports and data carry on. {@link #close} resumes
 * it if needed and stops it; a test JVM that dies leaves no broker behind either (the child exits
 * when its standard input, a pipe from this JVM, closes).
 *
 * <p>The broker creates no topic by itself: create them with {@link TestKafka#createTopics}.
 */
public final class PausableKafka implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);
    private static final String BROKER_MAIN_CLASS = "kafka.Kafka";

    private final Process launcher;
    private final long brokerPid;
    private final KafkaLogins logins;
    private final Path log;
    private boolean paused;

    private PausableKafka(Process launcher, long brokerPid, KafkaLogins logins, Path log) {
        this.launcher = launcher;
        this.brokerPid = brokerPid;
        this.logins = logins;
        this.log = log;
    }

    /** Starts a broker with its data under {@code dir} and returns once it listens (within 2 minutes). */
    public static PausableKafka start(Path dir) {
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("launcher.log");
            int port = freePort();
            String java = ProcessHandle.current().info().command().orElse("java");
            Process launcher = new ProcessBuilder(java, "-Xmx64m", "-jar", SharedServers.localGridJar().toString(), "kafka",
                    "--dir", dir.toAbsolutePath().toString(), "--port", Integer.toString(port),
                    "--controller-port", Integer.toString(freePort()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start(); // standard input stays a pipe from this JVM: its end stops the broker
            try {
                await(() -> SharedServers.answers(port) || !launcher.isAlive(), START_TIMEOUT, "Kafka on port " + port);
                if (!launcher.isAlive()) {
                    throw new IllegalStateException("local-grid.jar kafka exited with code " + launcher.exitValue()
                            + "; log:\n" + Files.readString(log));
                }
                long broker = launcher.descendants()
                        .filter(p -> List.of(p.info().arguments().orElse(new String[0])).contains(BROKER_MAIN_CLASS))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no " + BROKER_MAIN_CLASS
                                + " process below local-grid.jar kafka (pid " + launcher.pid() + ")"))
                        .pid();
                return new PausableKafka(launcher, broker, KafkaLogins.fromDataDir("127.0.0.1:" + port, dir), log);
            } catch (RuntimeException e) {
                stopLauncher(launcher);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a Kafka broker under " + dir + ": " + e.getMessage(), e);
        }
    }

    public String bootstrap() {
        return logins.bootstrap();
    }

    /** How to log in to this broker (its own users' passwords and CA, generated in its directory). */
    public KafkaLogins logins() {
        return logins;
    }

    /** The broker JVM's pid (below the launcher). */
    public long brokerPid() {
        return brokerPid;
    }

    /** Freezes the broker (SIGSTOP) and returns once the kernel says it is stopped. */
    public synchronized void pause() {
        signal("STOP");
        await(() -> Processes.stopped(brokerPid), SIGNAL_TIMEOUT, "broker pid " + brokerPid + " stopped");
        paused = true;
    }

    /** Lets the broker carry on (SIGCONT) and returns once it runs again. */
    public synchronized void resume() {
        signal("CONT");
        await(() -> !Processes.stopped(brokerPid), SIGNAL_TIMEOUT, "broker pid " + brokerPid + " running");
        paused = false;
    }

    @Override
    public synchronized void close() {
        if (paused) {
            resume(); // a stopped JVM would not act on SIGTERM
        }
        stopLauncher(launcher);
        ProcessHandle.of(brokerPid).ifPresent(ProcessHandle::destroyForcibly); // only if the launcher could not stop it
    }

    private static void stopLauncher(Process launcher) {
        launcher.destroy(); // SIGTERM: its shutdown hook stops the broker
        try {
            if (!launcher.waitFor(30, TimeUnit.SECONDS)) {
                launcher.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            launcher.destroyForcibly();
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(brokerPid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes());
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + brokerPid + " failed: " + output + "; see " + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling the broker", e);
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
