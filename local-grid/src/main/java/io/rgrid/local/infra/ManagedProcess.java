package io.rgrid.local.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server the local grid started as a child process, with its output in a log file.
 * Children are JVMs (Kafka, S3Proxy, RGrid services) started with the same java binary as ours.
 */
public final class ManagedProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Process process;
    private final Path logFile;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /** The java binary running this JVM: children use the same runtime. */
    public static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    public static ManagedProcess start(String name, List<String> command, Map<String, String> env, Path logFile) {
        try {
            Files.createDirectories(logFile.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            // Children get only the RGrid settings we pass: a user's RGRID_API_KEY or RGRID_* of
            // another grid in the inherited environment must not leak into a service's config.
            builder.environment().keySet().removeIf(key -> key.startsWith("RGRID_") || key.startsWith("QUARKUS_"));
            builder.environment().putAll(env);
            return new ManagedProcess(name, builder.start(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until a TCP port accepts connections; fails early when the process dies. */
    public void awaitPort(int port, Duration timeout) {
        awaitCondition(() -> Ports.answers(port), "port " + port, timeout);
    }

    /** Waits until {@code url} answers 200. */
    public void awaitHttpOk(String url, Duration timeout) {
        awaitCondition(() -> httpOk(url), url, timeout);
    }

    public static boolean httpOk(String url) {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitCondition(java.util.function.BooleanSupplier ready, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " before " + what + " was ready; see " + logFile + "\n" + tail(logFile, 15));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not get " + what + " ready within "
                        + timeout.toSeconds() + " s; see " + logFile + "\n" + tail(logFile, 15));
            }
            sleep(100);
        }
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The last lines of a log, for error messages. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + file + ")";
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
