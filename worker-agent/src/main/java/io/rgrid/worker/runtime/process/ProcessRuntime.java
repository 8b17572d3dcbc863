package io.rgrid.worker.runtime.process;

import io.rgrid.model.FailureReason;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.model.agent.RunPidFiles;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ExitSignals;
import io.rgrid.worker.runtime.LineSplitter;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRegistry;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import io.rgrid.worker.runtime.WorkDirs;
import org.jboss.logging.Logger;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs scripts as python3 child processes of the agent, for hosts without a Docker engine.
 * There is no isolation: the script runs as the agent's user and sees the host's file system and
 * network. What it does get: a clean environment (the agent's secrets are not inherited), the
 * work directory as its current directory, and rlimits through {@code prlimit} (address space =
 * the memory limit, open files, no core dumps) when that tool exists, and network none through a
 * new network namespace ({@code unshare --net}) where the host allows one. CPU share, pids and
 * file-system confinement are not enforced; a {@code MemoryError} on a non-zero exit counts as OOM.
 *
 * <p>Each run starts in a session of its own ({@code setsid}), so the script and everything it
 * starts can be killed as a whole, even after the script itself exited. Given a work root and a
 * worker id, the runtime also keeps a pid file per running run ({@link RunPidFiles}); an agent that
 * starts again with the same worker id after a {@code kill -9} finds what its earlier life left
 * running and kills it ({@link #killLeftovers()}), as the Docker runtime removes orphan containers.
 */
public final class ProcessRuntime implements ContainerRuntime {

    public static final String NAME = "process";
    private static final Logger LOG = Logger.getLogger(ProcessRuntime.class);

    private final String python;
    private final String prlimit;
    /** How to start a command without network (a new, empty network namespace), or null when this host cannot. */
    private final List<String> noNetwork;
    /** setsid, or null when this host has none (a run's processes are then found as descendants only). */
    private final String setsid;
    /** Where pid files of running runs are kept, or null: none are kept. */
    private final Path pidDir;
    private final String workerId;
    private final RunRegistry runs = new RunRegistry();

    /** How long orphans get between SIGTERM and SIGKILL. */
    static final Duration LEFTOVER_GRACE = Duration.ofSeconds(3);

    /**
     * @param pythonCommand python3, or a path to it; resolved once to the real interpreter so
     *                      that wrappers (pyenv shims) need none of the environment we strip
     */
    public ProcessRuntime(String pythonCommand) {
        this(pythonCommand, null, null);
    }

    /**
     * @param pythonCommand see {@link #ProcessRuntime(String)}
     * @param workRoot      the agent's work directory; pid files of running runs are kept under it
     *                      ({@link RunPidFiles#dir}), or null to keep none
     * @param workerId      whose runs these are (names the pid file directory)
     */
    public ProcessRuntime(String pythonCommand, Path workRoot, String workerId) {
        this.workerId = workerId;
        this.pidDir = workRoot == null || workerId == null ? null : RunPidFiles.dir(workRoot, workerId);
        this.setsid = findOnPath("setsid");
        if (setsid == null) {
            LOG.warn("setsid is not installed: processes a script leaves behind may escape the process runtime's kill");
        }
        this.python = resolveInterpreter(pythonCommand);
        this.prlimit = findOnPath("prlimit");
        if (prlimit == null) {
            LOG.warn("prlimit is not installed: scripts run by the process runtime get no memory limit");
        }
        this.noNetwork = findNoNetworkWrapper();
        if (noNetwork == null) {
            LOG.warn("unshare cannot create a network namespace here: network=none is not enforced by the "
                    + "process runtime");
        }
    }

    /** Whether network=none runs are really cut off from the network on this host. */
    public boolean enforcesNetworkNone() {
        return noNetwork != null;
    }

    /**
     * unshare --net in an unprivileged user namespace (keeping the caller's uid) when the kernel
     * allows it, else plain unshare --net (works as root); null when neither does.
     */
    private static List<String> findNoNetworkWrapper() {
        String unshare = findOnPath("unshare");
        if (unshare == null) {
            return null;
        }
        for (List<String> wrapper : List.of(List.of(unshare, "--map-current-user", "--net", "--"),
                List.of(unshare, "--net", "--"))) {
            try {
                List<String> probe = new ArrayList<>(wrapper);
                probe.add("true");
                Process process = new ProcessBuilder(probe).redirectErrorStream(true).start();
                process.getInputStream().readAllBytes();
                if (process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0) {
                    return List.copyOf(wrapper);
                }
                process.destroyForcibly();
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * Kills what runs of an earlier life of this worker (killed with {@code kill -9}, crashed) left
     * running, each run's processes as a whole (SIGTERM, SIGKILL after a short grace), and deletes
     * their pid files and work directories. Called at start, before the agent takes any work, so
     * every run found is an orphan. Returns how many runs still had processes.
     */
    public int killLeftovers() {
        if (pidDir == null) {
            return 0;
        }
        int killed = 0;
        for (RunPidFiles.Entry leftover : RunPidFiles.read(pidDir, workerId)) {
            int processes = RunPidFiles.members(leftover.pid(), leftover.startTime()).size();
            if (processes > 0) {
                LOG.warnf("Orphan process group %d (run %s, %d process(es)) of execution %s attempt %s: left by an "
                                + "earlier run of worker %s, which this agent does not track; killing it",
                        leftover.pid(), leftover.runId(), processes,
                        leftover.labels().get(ContainerLabels.EXECUTION_ID),
                        leftover.labels().get(ContainerLabels.ATTEMPT), workerId);
                RunPidFiles.kill(leftover.pid(), leftover.startTime(), LEFTOVER_GRACE);
                killed++;
            }
            try {
                if (leftover.workDir().startsWith(pidDir.getParent().getParent())) { // never outside our root
                    WorkDirs.deleteTree(leftover.workDir());
                }
                Files.deleteIfExists(leftover.file());
            } catch (IOException e) {
                LOG.warnf("Could not clean up after orphan run %s: %s", leftover.runId(), e.getMessage());
            }
        }
        return killed;
    }

    @Override
    public String name() {
        return NAME;
    }

    public String python() {
        return python;
    }

    @Override
    public RunResult run(RunRequest request, OutputListener output) throws RunFailedException {
        RunRegistry.Run run = runs.register(request.runId());
        Process process = null;
        Tree tree = null;
        boolean swept = false; // the run's session was killed after it ended
        Path pidFile = null;
        try {
            if (run.killRequested()) {
                return RunResult.killedBeforeStart();
            }
            ProcessBuilder builder = new ProcessBuilder(command(request)).directory(request.workDir().toFile());
            Map<String, String> env = builder.environment();
            env.clear(); // the agent's environment holds its token and storage keys
            env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
            env.put("LANG", "C.UTF-8");
            env.put("HOME", request.workDir().toString());
            env.put("PYTHONUNBUFFERED", "1");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            env.put("RGRID_WORK_DIR", request.workDir().toString());
            Path deps = request.workDir().resolve(RunRequest.DEPS);
            if (Files.isDirectory(deps)) {
                env.put("PYTHONPATH", deps.toString());
            }
            env.putAll(request.env());

            AtomicBoolean memoryError = new AtomicBoolean();
            OutputListener listener = (stream, text) -> {
                if (stream == LogStream.STDERR && text.contains("MemoryError")) {
                    memoryError.set(true);
                }
                output.onOutput(stream, text);
            };
            process = builder.start();
            Instant startedAt = Instant.now();
            // Read at once: the start time identifies the process even after its pid is reused.
            long startTime = RunPidFiles.startTime(process.pid()).orElse(0L);
            tree = new Tree(process, startTime);
            pidFile = recordPid(request, process.pid(), startTime);
            Tree started = tree;
            process.getOutputStream().close();
            Thread out = pump(process.getInputStream(), new LineSplitter(LogStream.STDOUT, listener), request.runId());
            Thread err = pump(process.getErrorStream(), new LineSplitter(LogStream.STDERR, listener), request.runId());
            run.onKill(started::destroy);

            boolean timedOut = false;
            if (!process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                tree.destroy();
                process.waitFor();
            }
            Instant finishedAt = Instant.now();
            // A background child may still hold the pipes open; it does not get to outlive the run.
            out.join(2000);
            err.join(2000);
            tree.destroy();
            swept = true;
            out.join(2000);
            err.join(2000);
            boolean killed = run.killRequested() && !timedOut;
            // No engine and no cgroup of its own here: the rlimit makes allocations fail, and
            // Python's MemoryError on stderr is the one signal.
            ExitSignals signals = ExitSignals.ofProcess(process.exitValue(), timedOut || killed, memoryError.get());
            return RunResult.ended(signals, timedOut, killed, startedAt, finishedAt);
        } catch (IOException e) {
            throw new RunFailedException(FailureReason.WORKER_ERROR, "could not start " + python + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException(FailureReason.WORKER_ERROR, "interrupted while running the script", e);
        } finally {
            runs.unregister(request.runId());
            if (tree != null && (!swept || tree.process().isAlive())) {
                tree.destroy();
            } else if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
            if (pidFile != null) {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException e) {
                    LOG.debugf("Could not delete %s: %s", pidFile, e.getMessage());
                }
            }
        }
    }

    private Path recordPid(RunRequest request, long pid, long startTime) {
        if (pidDir == null) {
            return null;
        }
        try {
            return RunPidFiles.write(pidDir, workerId, request.runId(), pid, startTime, request.workDir(),
                    request.labels());
        } catch (IOException e) {
            LOG.warnf("Could not write the pid file of run %s (%s): an agent killed with kill -9 would leave it running",
                    request.runId(), e.getMessage());
            return null;
        }
    }

    private List<String> command(RunRequest request) {
        List<String> command = new ArrayList<>();
        if (setsid != null) {
            // A session (and process group) of its own: the run's pid names all of its processes.
            // The JVM's child is no group leader, so setsid execs in place and keeps the pid.
            command.add(setsid);
        }
        if (prlimit != null) {
            long memoryBytes = request.memoryMb() * 1024L * 1024L;
            command.add(prlimit);
            command.add("--as=" + memoryBytes);
            command.add("--nofile=1024");
            command.add("--core=0");
            command.add("--");
        }
        if (request.network() == NetworkMode.NONE && noNetwork != null) {
            command.addAll(noNetwork);
        }
        command.add(python);
        command.addAll(request.pythonArgs());
        return command;
    }

    private static Thread pump(InputStream in, LineSplitter splitter, String runId) {
        return Thread.ofPlatform().daemon().name("rgrid-output-" + runId).start(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    splitter.accept(buffer, 0, n);
                }
            } catch (IOException e) {
                // the process is gone and its pipe with it
            }
            splitter.finish();
        });
    }

    /** A run's first process and its start time: with its session, everything the run started. */
    private record Tree(Process process, long startTime) {
        /** SIGKILLs the process, its descendants and its session (also members whose parent exited). */
        void destroy() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            RunPidFiles.killNow(process.pid(), startTime);
        }
    }

    @Override
    public void kill(String runId) {
        runs.kill(runId);
    }

    private static String resolveInterpreter(String command) {
        try {
            Process probe = new ProcessBuilder(command, "-c", "import sys; print(sys.executable)")
                    .redirectErrorStream(true).start();
            String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0 && !out.isEmpty()
                    && Files.isExecutable(Path.of(out))) {
                return out;
            }
            throw new IllegalStateException(command + " did not start: " + out);
        } catch (IOException e) {
            throw new IllegalStateException("the process runtime needs " + command + " on this host: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking for " + command, e);
        }
    }

    private static String findOnPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        return null;
    }
}
