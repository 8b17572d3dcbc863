package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.rgrid.model.FailureReason;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ExitSignals;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRegistry;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import io.rgrid.worker.runtime.WorkDirs;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs scripts in hardened Docker containers: no capabilities, no new privileges, read-only root
 * file system with a tmpfs {@code /tmp}, uid/gid 65534, memory with no extra swap, CPU and pid
 * limits, network none or bridge (on the egress policy's network, {@link Settings#bridgeNetwork}).
 * Only the attempt's work directory is mounted, at {@code /work}.
 */
public final class DockerRuntime implements ContainerRuntime {

    public static final String NAME = "docker";
    public static final String LABEL_EXECUTION_ID = ContainerLabels.EXECUTION_ID;
    public static final String LABEL_ATTEMPT = ContainerLabels.ATTEMPT;
    public static final String LABEL_WORKER_ID = ContainerLabels.WORKER_ID;
    public static final String LABEL_PHASE = ContainerLabels.PHASE;

    private static final Logger LOG = Logger.getLogger(DockerRuntime.class);
    /** Per-step timings of a run at DEBUG (see bench/worker-overhead.sh). */
    private static final Logger TIMINGS = Logger.getLogger("io.rgrid.worker.timings");
    /** After the container stopped, how long the log stream may take to drain. */
    private static final Duration LOG_DRAIN = Duration.ofSeconds(10);

    private final DockerClient docker;
    private final String dockerHost;
    private final Settings settings;
    private final RunRegistry runs = new RunRegistry();
    /** Parent cgroups that keep the kernel's record of a run's memory readable after it. */
    private final RunCgroups cgroups;
    /** The images of this host; see {@link #createEnsuringImage}. */
    private final DockerImages images;
    /** Started containers waiting for runs (off unless {@link Warmth} says otherwise). */
    private final WarmPool pool;

    /**
     * @param pidsLimit       processes/threads allowed in one container
     * @param tmpSizeMb       size of the tmpfs at /tmp
     * @param pullTimeout     deadline for pulling a missing image
     * @param bridgeNetwork   the Docker network of executions with network {@code bridge} (EgressDecision)
     */
    public record Settings(int pidsLimit, int tmpSizeMb, Duration pullTimeout, String bridgeNetwork) {
        /** On Docker's default bridge: no egress policy (tests, benchmarks). */
        public Settings(int pidsLimit, int tmpSizeMb, Duration pullTimeout) {
            this(pidsLimit, tmpSizeMb, pullTimeout, EgressDecision.DOCKER_DEFAULT_BRIDGE);
        }

        String networkFor(NetworkMode mode) {
            return mode == NetworkMode.NONE ? mode.wire() : bridgeNetwork;
        }
    }

    /**
     * The pool of warm containers ({@link WarmPool}).
     *
     * @param perSlot  containers kept per slot; 0 turns the pool off
     * @param slots    the agent's slots: the pool holds {@code perSlot × slots}
     * @param root     where their directories go: on the file system of the attempts' work
     *                 directories, whose files are renamed in and out
     * @param workerId labels them, so {@link #removeLeftovers} finds them after a crash
     */
    public record Warmth(int perSlot, int slots, Path root, String workerId) {
        public static final Warmth OFF = new Warmth(0, 0, null, null);

        /** The configuration's bounds are checked where it is read (RuntimeProducer); this only refuses nonsense. */
        public Warmth {
            if (perSlot < 0 || slots < 0) {
                throw new IllegalArgumentException("warm containers per slot and slots cannot be negative: "
                        + perSlot + ", " + slots);
            }
        }

        int size() {
            return perSlot * slots;
        }
    }

    /** Without warm containers: every run gets a container created for it. */
    public DockerRuntime(String dockerHost, Settings settings) {
        this(dockerHost, settings, Warmth.OFF);
    }

    public DockerRuntime(String dockerHost, Settings settings, Warmth warmth) {
        this.dockerHost = dockerHost;
        this.settings = settings;
        this.docker = client(dockerHost, null);
        this.images = new DockerImages(docker, settings.pullTimeout());
        this.cgroups = detectCgroups();
        this.pool = new WarmPool(docker, settings, cgroups, warmth);
        if (cgroups.enabled()) {
            LOG.infof("OOM kills are read from the kernel's record in each run's parent cgroup (%s/<run>) and from "
                    + "Docker's flag", RunCgroups.BASE);
        } else {
            LOG.infof("OOM kills are read from Docker's flag only: %s", cgroups.whyOff());
        }
    }

    private RunCgroups detectCgroups() {
        try {
            var info = docker.infoCmd().exec();
            return RunCgroups.detect(info.getCGroupDriver(), info.getCGroupVersion(), Path.of("/proc/self/mountinfo"));
        } catch (RuntimeException e) {
            return RunCgroups.off("docker info failed: " + e.getMessage());
        }
    }

    /** Whether the kernel's count of OOM kills is read for each run (see {@link RunCgroups}). */
    public boolean readsKernelOomCount() {
        return cgroups.enabled();
    }

    /**
     * Asks the engine at {@code dockerHost} whether it is there.
     *
     * @return empty when it answered, else why not
     */
    public static Optional<String> ping(String dockerHost, Duration timeout) {
        try (DockerClient client = client(dockerHost, timeout)) {
            client.pingCmd().exec();
            return Optional.empty();
        } catch (Exception | LinkageError e) {
            return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    static DockerClient client(String dockerHost, Duration responseTimeout) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .build();
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            // Only for short calls: the wait and log-follow calls of a run stay open as long as the script runs.
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }

    @Override
    public String name() {
        return NAME;
    }

    public String dockerHost() {
        return dockerHost;
    }

    /**
     * Removes containers a previous life of this worker left behind (it was killed -9 or crashed
     * mid-run): the agent tracks none of them, and their attempts are being requeued by the
     * orchestrator. Only containers labelled with this worker's id are touched: several agents
     * (the local grid's) share one engine, and another agent's containers are its own business.
     * Called at start, before the agent takes any work, so everything found is an orphan.
     *
     * @return how many were removed
     */
    public int removeLeftovers(String workerId) {
        int removed = 0;
        List<Container> leftovers = EngineContainers.ofWorker(docker, workerId, Map.of());
        for (Container container : leftovers) {
            Map<String, String> labels = container.getLabels() == null ? Map.of() : container.getLabels();
            LOG.warnf("Orphan container %s (%s, state %s) of execution %s attempt %s: left by an earlier run of "
                            + "worker %s, which this agent does not track; removing it",
                    container.getId().substring(0, Math.min(12, container.getId().length())),
                    container.getNames() == null || container.getNames().length == 0 ? "?" : container.getNames()[0],
                    container.getState(), labels.get(LABEL_EXECUTION_ID), labels.get(LABEL_ATTEMPT), workerId);
            remove(container.getId());
            if (container.getNames() != null) {
                for (String name : container.getNames()) {
                    cgroups.remove(name.startsWith("/") ? name.substring(1) : name);
                }
            }
            removed++;
        }
        return removed;
    }

    @Override
    public RunResult run(RunRequest request, OutputListener output) throws RunFailedException {
        Finished finished = runKeeping(request, output);
        finished.release().run();
        return finished.result();
    }

    @Override
    public Finished runKeeping(RunRequest request, OutputListener output) throws RunFailedException {
        return runKeeping(request, output, () -> { });
    }

    @Override
    public Finished runKeeping(RunRequest request, OutputListener output, BeforeStart beforeStart)
            throws RunFailedException {
        RunRegistry.Run run = runs.register(request.runId());
        StartedRun launched = null;
        boolean keep = false;
        try {
            launched = WarmHandover.launch(pool, docker, cgroups, request, beforeStart, run, output);
            if (launched == null) {
                launched = launchCold(request, beforeStart, run);
            }
            if (launched.killedBeforeStart()) {
                return new Finished(RunResult.killedBeforeStart(), () -> { });
            }
            String id = launched.containerId();
            Instant startedAt = Instant.now();
            run.onKill(() -> killContainer(id));
            // A warm container's log and wait were attached before its go; a created one's now.
            StartedRun.Attachment attached = launched.attachment != null ? launched.attachment
                    : StartedRun.attach(docker, id, output);
            LogCollector logs = attached.logs();
            WaitContainerResultCallback wait = attached.exit();
            long tAttached = System.nanoTime();
            boolean timedOut = false;
            try {
                wait.awaitStatusCode(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (DockerClientException e) {
                // awaitStatusCode signals its deadline this way: the script ran too long.
                timedOut = true;
                closeQuietly(wait);
                killContainer(id);
                // A fresh wait: the first one is spent once its deadline passed.
                WaitContainerResultCallback stopped = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback());
                try {
                    stopped.awaitStatusCode(30, TimeUnit.SECONDS);
                } finally {
                    closeQuietly(stopped);
                }
            } finally {
                closeQuietly(wait);
            }
            Instant finishedAt = Instant.now();
            long tWait = System.nanoTime();
            if (!logs.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Log stream of %s did not end %s after the container stopped", request.runId(), LOG_DRAIN);
            }
            logs.close();
            logs.finish();
            launched.stopped();
            long tLogs = System.nanoTime();
            // The wait answer has the exit code; whether the OOM killer struck, inspect and the
            // kernel's record tell, each on the machines where it works (OomDecision).
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
            Long exitCode = state.getExitCodeLong();
            boolean killedByAgent = timedOut || run.killRequested();
            RunCgroups.Reading cgroup = cgroups.read(launched.cgroupName(), ContainerSpecs.memoryBytes(request));
            ExitSignals signals = new ExitSignals(exitCode == null ? -1 : exitCode.intValue(), killedByAgent,
                    state.getOOMKilled(), cgroup.oomKills(), cgroup.limitReached(),
                    RunCgroups.hostOomKillsSince(launched.hostOomKillsBefore), false);
            long tInspect = System.nanoTime();
            if (TIMINGS.isDebugEnabled()) {
                TIMINGS.debugf("docker %s: %s, attach %.1f ms, script+wait %.1f ms, log-drain+files %.1f ms, "
                                + "inspect %.1f ms", request.runId(), launched.timings, ms(tAttached - launched.startedNanos),
                        ms(tWait - tAttached), ms(tLogs - tWait), ms(tInspect - tLogs));
            }
            RunResult result = RunResult.ended(signals, timedOut, run.killRequested() && !timedOut, startedAt, finishedAt);
            keep = true;
            return new Finished(result, launched::release);
        } catch (RunFailedException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException(FailureReason.WORKER_ERROR, "interrupted while running the container", e);
        } catch (IOException | RuntimeException e) {
            throw new RunFailedException(FailureReason.WORKER_ERROR, "Docker engine error: " + e.getMessage(), e);
        } finally {
            runs.unregister(request.runId());
            if (!keep && launched != null) {
                launched.release();
            }
        }
    }

    /**
     * The run in a container created for it: the image checked, the container created while the
     * files arrive, then started.
     */
    private StartedRun launchCold(RunRequest request, BeforeStart beforeStart, RunRegistry.Run run)
            throws RunFailedException, InterruptedException, IOException {
        long t0 = System.nanoTime();
        images.ensure(request.image());
        long tImage = System.nanoTime();
        if (run.killRequested()) {
            return StartedRun.KILLED_BEFORE_START;
        }
        String name = ContainerSpecs.containerName(request.runId());
        StartedRun launched = StartedRun.cold(createEnsuringImage(request), name, this::removeRun);
        try {
            long tCreate = System.nanoTime();
            beforeStart.await();
            long tReady = System.nanoTime();
            if (run.killRequested()) {
                launched.release();
                return StartedRun.KILLED_BEFORE_START;
            }
            WorkDirs.openForUnprivilegedUser(request.workDir()); // after beforeStart: its files too
            launched.hostOomKillsBefore = cgroups.enabled() ? RunCgroups.hostOomKills() : null;
            docker.startContainerCmd(launched.containerId()).exec();
            launched.startedNanos = System.nanoTime();
            launched.timings = String.format(Locale.ROOT, "cold: image-check %.1f ms, create %.1f ms, files-wait %.1f ms, "
                    + "start %.1f ms", ms(tImage - t0), ms(tCreate - tImage), ms(tReady - tCreate),
                    ms(launched.startedNanos - tReady));
            return launched;
        } catch (RunFailedException | IOException | RuntimeException e) {
            launched.release();
            throw e;
        }
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** Removes a run's own container and its parent cgroup. */
    private void removeRun(String containerId, String cgroupName) {
        long t = System.nanoTime();
        remove(containerId);
        cgroups.remove(cgroupName);
        TIMINGS.debugf("docker %s: remove %.1f ms", cgroupName, ms(System.nanoTime() - t));
    }

    /**
     * Creates the container. The image check before it is skipped for an image seen on this host
     * before (one engine call less per run); when such an image has gone since, the create fails
     * with "no such image" and the image is checked (and pulled) and the create repeated.
     */
    private String createEnsuringImage(RunRequest request) throws RunFailedException, InterruptedException {
        try {
            return create(request);
        } catch (NotFoundException e) {
            if (!images.forget(request.image())) {
                throw e;
            }
            LOG.infof("Image %s is gone from this host since its last use; checking it again", request.image());
            images.ensure(request.image());
            return create(request);
        }
    }

    private String create(RunRequest request) {
        Optional<String> cgroupParent = cgroups.prepare(ContainerSpecs.containerName(request.runId()));
        return ContainerSpecs.createCmd(docker, request, settings, cgroupParent)
                .exec()
                .getId();
    }

    @Override
    public void kill(String runId) {
        runs.kill(runId);
    }

    private void killContainer(String containerId) {
        try {
            docker.killContainerCmd(containerId).exec();
        } catch (RuntimeException e) {
            // Already stopped (409) or gone (404): either way it no longer runs.
            LOG.debugf("Kill of %s: %s", containerId, e.getMessage());
        }
    }

    private void remove(String containerId) {
        EngineContainers.remove(docker, containerId, "container " + containerId);
    }

    /** Warm runs served so far. */
    public long warmRuns() {
        return pool.taken();
    }

    /** Warm containers waiting now. */
    public int warmWaiting() {
        return pool.waiting();
    }

    @Override
    public void close() {
        pool.close();
        closeQuietly(docker);
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing left to do
        }
    }
}
