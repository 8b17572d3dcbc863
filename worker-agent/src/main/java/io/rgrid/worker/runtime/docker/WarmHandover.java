package io.rgrid.worker.runtime.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import io.rgrid.model.FailureReason;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRegistry;
import io.rgrid.worker.runtime.WorkDirs;
import org.jboss.logging.Logger;
import io.rgrid.worker.runtime.RunRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Hands a run to a warm container ({@link WarmPool}): its files renamed into the container's
 * directory before the start and back after the end, and the start itself, its arguments and
 * environment written to the waiter's FIFO.
 */
final class WarmHandover {

    private static final Logger LOG = Logger.getLogger(WarmHandover.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long the waiter may take to open its end of the FIFO. It is blocked there already, so
     * only a container that died while waiting (killed from outside) takes this long.
     */
    private static final Duration GO_TIMEOUT = Duration.ofSeconds(3);

    private WarmHandover() {
    }

    /**
     * The run in a warm container of the pool, when one of its shape waits: the files renamed in
     * once they are here, the container renamed to the run's name (what {@code die} events and
     * {@code docker ps} show), and the waiter told to exec the script. Null when none waits, or
     * when the handover failed before the script started (the files are back; the cold way then
     * runs it).
     */
    static StartedRun launch(WarmPool pool, DockerClient docker, RunCgroups cgroups, RunRequest request,
                             ContainerRuntime.BeforeStart beforeStart, RunRegistry.Run run, OutputListener output)
            throws RunFailedException, InterruptedException {
        long t0 = System.nanoTime();
        Optional<WarmPool.Warm> taken = pool.take(request);
        if (taken.isEmpty()) {
            return null;
        }
        WarmPool.Warm warm = taken.get();
        StartedRun launched = StartedRun.warm(pool, warm, request.workDir());
        boolean filesIn = false;
        try {
            beforeStart.await();
            long tReady = System.nanoTime();
            if (run.killRequested()) {
                launched.release();
                return StartedRun.KILLED_BEFORE_START;
            }
            WorkDirs.openForUnprivilegedUser(request.workDir());
            boolean deps = Files.isDirectory(request.workDir().resolve(RunRequest.DEPS));
            filesIn = true;
            moveIn(request.workDir(), warm.dir());
            // The waiter is known alive before the container takes the run's name, so that name
            // (what observers count as the run, worker-agent README) is never on a container that
            // cannot run it. Closed unwritten, the FIFO makes the waiter exit.
            try (OutputStream start = openStart(warm.fifo())) {
                // Attached now, off the path after the go: the waiter writes nothing to the log.
                launched.attachment = StartedRun.attach(docker, warm.id(), output);
                docker.renameContainerCmd(warm.id()).withName(ContainerSpecs.containerName(request.runId())).exec();
                launched.hostOomKillsBefore = cgroups.enabled() ? RunCgroups.hostOomKills() : null;
                start.write(startMessage(request.pythonArgs(), ContainerSpecs.environment(request.env(), deps)));
            }
            launched.startedNanos = System.nanoTime();
            launched.timings = String.format(Locale.ROOT, "warm: files-wait %.1f ms, move-in+rename+go %.1f ms",
                    DockerRuntime.ms(tReady - t0), DockerRuntime.ms(launched.startedNanos - tReady));
            return launched;
        } catch (RunFailedException | InterruptedException e) {
            launched.release();
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Warm container %s could not take run %s (%s); running it in a new container", warm.name(),
                    request.runId(), e.getMessage());
            if (filesIn) {
                try {
                    moveOut(warm.dir(), request.workDir());
                    Files.createDirectories(request.workDir().resolve(RunRequest.INPUTS));
                    moveInputsBack(warm.dir(), request.workDir());
                } catch (IOException back) {
                    launched.release();
                    throw new RunFailedException(FailureReason.WORKER_ERROR,
                            "the run's files could not be taken back from warm container " + warm.name() + ": "
                                    + back.getMessage(), back);
                }
            }
            launched.release();
            return null;
        }
    }

    /**
     * Renames the attempt's files into the container's directory: the entries of {@code inputs/}
     * into its {@code inputs/} (a mount point: the directory itself must stay), everything else
     * whole (the empty {@code outputs/} there is replaced). Same file system: no data is copied.
     */
    static void moveIn(Path attemptDir, Path warmDir) throws IOException {
        for (Path entry : entries(attemptDir)) {
            String name = entry.getFileName().toString();
            if (name.equals(RunRequest.INPUTS)) {
                for (Path input : entries(entry)) {
                    rename(input, warmDir.resolve(RunRequest.INPUTS).resolve(input.getFileName().toString()));
                }
            } else {
                rename(entry, warmDir.resolve(name));
            }
        }
    }

    /**
     * Renames what the run left in the container's directory back into the attempt's, where the
     * outputs are collected as after any run. Links are moved, never followed; the inputs stay.
     */
    static void moveOut(Path warmDir, Path attemptDir) throws IOException {
        for (Path entry : entries(warmDir)) {
            String name = entry.getFileName().toString();
            if (name.equals(RunRequest.INPUTS)) {
                continue;
            }
            Path target = attemptDir.resolve(name);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(target); // only an empty one can be there; rename replaces it anyway
            }
            rename(entry, target);
        }
    }

    /** Renames the inputs back after a handover that failed before the start. */
    static void moveInputsBack(Path warmDir, Path attemptDir) throws IOException {
        for (Path input : entries(warmDir.resolve(RunRequest.INPUTS))) {
            rename(input, attemptDir.resolve(RunRequest.INPUTS).resolve(input.getFileName().toString()));
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(out::add);
        }
        return out;
    }

    private static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What the waiter execs: {@code python3 ARGS} with the image's environment plus {@code env}. */
    static byte[] startMessage(List<String> pythonArgs, List<String> env) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String pair : env) {
            int eq = pair.indexOf('=');
            vars.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("args", pythonArgs);
        message.put("env", vars);
        try {
            return JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the start message", e);
        }
    }

    /**
     * Opens the FIFO for writing, which pairs with the waiter blocked on its end: once this
     * returns, the waiter is alive and execs what is written and closed here (nothing written:
     * it exits). When the waiter does not open its end within {@link #GO_TIMEOUT} (its container
     * is gone), the open is released by opening the FIFO for reading here, and this throws.
     */
    static OutputStream openStart(Path fifo) throws IOException, InterruptedException {
        CompletableFuture<OutputStream> opened = new CompletableFuture<>();
        // A platform thread: opening a FIFO blocks in the kernel until its reader opens it.
        Thread.ofPlatform().daemon().name("rgrid-warm-go").start(() -> {
            try {
                opened.complete(Files.newOutputStream(fifo, StandardOpenOption.WRITE)); // never CREATE: a FIFO or nothing
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
            }
        });
        try {
            return opened.get(GO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("opening the waiter's FIFO: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            opened.whenComplete((out, failure) -> closeQuietly(out));
            if (!opened.isDone()) {
                try (InputStream release = Files.newInputStream(fifo)) {
                    release.transferTo(OutputStream.nullOutputStream());
                }
            }
            throw new IOException("the waiting container did not open its start FIFO within "
                    + GO_TIMEOUT.toSeconds() + " s");
        }
    }

    private static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // the waiter reads an end either way
            }
        }
    }
}
