package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.WorkDirs;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Started, hardened containers waiting for a run, so that a run skips the engine's create and
 * start (docs/benchmarks.md, "Warm containers"). Each runs {@link #WAITER}: python3 as nobody,
 * blocked on a FIFO in its control directory; the run's arguments and environment written there
 * make it {@code execve} python3 on the script, so the script is the container's main process
 * exactly as in a container created for it (log stream, exit code, OOM, kill, timeout unchanged).
 *
 * <p>A container serves one run and is removed after it. It fits a run of the same image, CPU
 * and memory limits and network mode (fixed at create); the pool keeps the shape of the script
 * runs it sees, so a worker running the grid's defaults (the common case) stays warm; runs of
 * another shape go the usual way, and {@link WarmShapeDecision#TURN_OVER_AFTER} of them in a row turn the pool over. Refills happen one at a time on a
 * background thread, never on a run's path, and once a run is over ({@link #release}).
 */
final class WarmPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WarmPool.class);
    /** Label of every warm container (besides the worker id), so it can be told from a run's. */
    static final String LABEL_WARM = "io.rgrid.warm";
    /** Where the control directory (the FIFO) is mounted in the container. */
    static final String CONTROL_MOUNT = "/run/rgrid";
    static final String FIFO = "go";
    /**
     * The waiting main process. The FIFO appears (renamed into place, writable by the agent's
     * uid) only once it exists, which tells the pool the container is ready; a read of nothing
     * (the pool closing it) exits. The environment is the image's plus the run's.
     */
    static final String WAITER = String.join("\n",
            "import json, os",
            "d = '" + CONTROL_MOUNT + "/'",
            "os.mkfifo(d + 'go.tmp')",
            "os.chmod(d + 'go.tmp', 0o622)",
            "os.rename(d + 'go.tmp', d + '" + FIFO + "')",
            "fd = os.open(d + '" + FIFO + "', os.O_RDONLY)",
            "b = b''",
            "while True:",
            "    c = os.read(fd, 65536)",
            "    if not c:",
            "        break",
            "    b += c",
            "os.close(fd)",
            "if not b:",
            "    raise SystemExit(0)",
            "s = json.loads(b)",
            "e = dict(os.environ)",
            "e.update(s['env'])",
            "os.execvpe('python3', ['python3'] + s['args'], e)",
            "");
    /** How long a new container may take to reach its FIFO before it is given up. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    /** Pause after a failed refill, so a broken engine or image is not hammered. */
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

    /** What a container is fixed to at create. */
    record Shape(String image, double cpus, int memoryMb, NetworkMode network) {
        static Shape of(RunRequest request) {
            return new Shape(request.image(), request.cpus(), request.memoryMb(), request.network());
        }
    }

    /**
     * A started, waiting container.
     *
     * @param name    its name at create ({@code rgrid-warm-…}); also names its parent cgroup
     * @param dir     the host directory mounted at {@code /work} ({@code inputs/} read-only)
     * @param control the host directory mounted at {@value #CONTROL_MOUNT}, holding the FIFO
     */
    record Warm(String id, String name, Shape shape, Path dir, Path control) {
        Path fifo() {
            return control.resolve(FIFO);
        }
    }

    private final DockerClient docker;
    private final DockerRuntime.Settings settings;
    private final RunCgroups cgroups;
    private final DockerRuntime.Warmth config;
    private final Deque<Warm> ready = new ArrayDeque<>();
    private final AtomicLong taken = new AtomicLong();
    private WarmShapeDecision.State shapeState = WarmShapeDecision.State.INITIAL;
    private boolean closed;
    private Thread refiller;

    WarmPool(DockerClient docker, DockerRuntime.Settings settings, RunCgroups cgroups, DockerRuntime.Warmth config) {
        this.docker = docker;
        this.settings = settings;
        this.cgroups = cgroups;
        this.config = config;
        if (enabled()) {
            try {
                WorkDirs.deleteTree(config.root()); // an earlier life's; its containers are gone (removeLeftovers)
                Files.createDirectories(config.root());
            } catch (IOException e) {
                throw new IllegalStateException("cannot prepare the warm containers' directory " + config.root(), e);
            }
        }
    }

    boolean enabled() {
        return config.size() > 0;
    }

    /** Warm runs served so far. */
    long taken() {
        return taken.get();
    }

    /** Containers waiting now. */
    synchronized int waiting() {
        return ready.size();
    }

    /**
     * A waiting container for this run, if one of its shape is ready. Script runs only (not the
     * requirements install). A run of another shape makes the pool turn over to it.
     */
    Optional<Warm> take(RunRequest request) {
        if (!enabled() || !isScriptRun(request)) {
            return Optional.empty();
        }
        Shape wanted = Shape.of(request);
        List<Warm> stale = new ArrayList<>();
        Optional<Warm> found;
        synchronized (this) {
            if (closed) {
                return Optional.empty();
            }
            WarmShapeDecision.Step step = WarmShapeDecision.decide(shapeState, wanted);
            if (step.turnOver()) {
                if (shapeState.shape() != null) {
                    LOG.infof("Warm containers now of %s (were %s)", wanted, shapeState.shape());
                }
                stale.addAll(ready);
                ready.clear();
            }
            shapeState = step.next();
            if (step.turnOver()) {
                startRefill();
            }
            found = step.fits() ? Optional.ofNullable(ready.pollFirst()) : Optional.empty();
        }
        stale.forEach(this::discard);
        found.ifPresent(w -> taken.incrementAndGet());
        return found;
    }

    static boolean isScriptRun(RunRequest request) {
        return !request.pythonArgs().isEmpty() && request.pythonArgs().getFirst().equals(RunRequest.SCRIPT);
    }

    /** Starts the refill thread unless it runs; called with the lock held. */
    private void startRefill() {
        if (refiller == null || !refiller.isAlive()) {
            refiller = Thread.ofPlatform().daemon().name("rgrid-warm-pool").start(this::refill);
        }
    }

    private void refill() {
        while (true) {
            Shape target;
            synchronized (this) {
                if (closed || shapeState.shape() == null || ready.size() >= config.size()) {
                    refiller = null;
                    return;
                }
                target = shapeState.shape();
            }
            Warm warm;
            try {
                warm = make(target);
            } catch (RuntimeException | IOException e) {
                LOG.warnf("Could not ready a warm container of %s: %s; runs go the cold way meanwhile", target,
                        e.getMessage());
                sleep(RETRY_PAUSE);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean keep;
            synchronized (this) {
                keep = !closed && target.equals(shapeState.shape());
                if (keep) {
                    ready.addLast(warm);
                }
            }
            if (!keep) {
                discard(warm);
            }
        }
    }

    private Warm make(Shape target) throws IOException, InterruptedException {
        String name = "rgrid-warm-" + UUID.randomUUID();
        Path dir = config.root().resolve(name);
        Path control = config.root().resolve(name + ".ctl");
        for (Path d : List.of(dir, dir.resolve(RunRequest.INPUTS), dir.resolve(RunRequest.OUTPUTS), control)) {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        String id = null;
        try {
            RunRequest spec = new RunRequest(name.substring("rgrid-".length()), dir, target.image(), List.of(), Map.of(),
                    target.cpus(), target.memoryMb(), Duration.ZERO, target.network(),
                    Map.of(ContainerLabels.WORKER_ID, config.workerId(), LABEL_WARM, "true"), List.of("-c", WAITER));
            id = ContainerSpecs.createCmd(docker, spec, settings, cgroups.prepare(name), Optional.of(control))
                    .exec().getId();
            docker.startContainerCmd(id).exec();
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!Files.exists(control.resolve(FIFO))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("its waiter did not get ready within " + READY_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(5);
            }
            return new Warm(id, name, target, dir, control);
        } catch (IOException | InterruptedException | RuntimeException e) {
            discard(new Warm(id, name, target, dir, control));
            throw e;
        }
    }

    /**
     * Removes a taken container after its run, and makes its successor. Not at take time: a
     * create and start (about a second of the engine's and the kernel's work on a small worker)
     * beside the run it was taken for slows that very run down. So the waiting containers follow
     * the free slots: a slot's run ends, its successor is made.
     */
    void release(Warm warm) {
        discard(warm);
        synchronized (this) {
            if (!closed) {
                startRefill();
            }
        }
    }

    /** Removes a container of the pool (taken or not) with its directories and cgroup; never throws. */
    void discard(Warm warm) {
        if (warm.id() != null) {
            EngineContainers.remove(docker, warm.id(), "warm container " + warm.name());
        }
        cgroups.remove(warm.name());
        try {
            WorkDirs.deleteTree(warm.dir());
            WorkDirs.deleteTree(warm.control());
        } catch (IOException e) {
            LOG.warnf("Could not delete the directories of warm container %s: %s", warm.name(), e.getMessage());
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes every waiting container; runs in progress keep theirs until released. */
    @Override
    public void close() {
        List<Warm> left;
        Thread running;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(ready);
            ready.clear();
            running = refiller;
        }
        if (running != null) {
            running.interrupt();
            try {
                running.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        left.forEach(this::discard);
        if (enabled()) {
            sweep();
        }
    }

    /**
     * Removes every waiting container of this worker the engine still has, known here or not (a
     * refill that finished as the pool closed). A taken one has its run's name by now, and stays
     * until its run releases it.
     */
    private void sweep() {
        try {
            for (Container c : EngineContainers.ofWorker(docker, config.workerId(), Map.of(LABEL_WARM, "true"))) {
                boolean waiting = c.getNames() != null && Arrays.stream(c.getNames())
                        .anyMatch(n -> n.startsWith("/rgrid-warm-") || n.startsWith("rgrid-warm-"));
                if (waiting) {
                    EngineContainers.remove(docker, c.getId(), "waiting container " + c.getId());
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not look for waiting containers left at close: %s", e.getMessage());
        }
    }
}
