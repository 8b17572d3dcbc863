package io.rgrid.model.agent;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The pid files the worker agent's process runtime keeps for the runs it started, so that what a
 * dead agent (killed with {@code kill -9}) left running can be found and killed as a whole: by the
 * next agent with the same worker id when it starts, and by the orchestrator's local provider when
 * the agent dies. The Docker runtime finds its leftovers by container label; this is the same for
 * plain processes.
 *
 * <p>Every run starts in a session of its own ({@code setsid}), so its pid is also the session id
 * of the script and of everything the script starts (unless that calls {@code setsid} itself).
 * A pid file ({@code <work root>/.processes/<worker id>/<run id>.pid}) records that pid with the
 * process's start time from {@code /proc/<pid>/stat}: a pid the kernel handed to an unrelated
 * process since is recognized by its different start time and left alone. (Linux keeps a pid
 * number reserved while any process still uses it as its session id, so the session's members are
 * only ours while that pid is not in use by another process.) Linux only: without {@code /proc}
 * nothing is found.
 */
public final class RunPidFiles {

    /** Directory under the agent's work root that holds the pid files, one sub-directory per worker id. */
    public static final String DIR = ".processes";
    public static final String SUFFIX = ".pid";

    private static final Path PROC = Path.of("/proc");

    private RunPidFiles() {
    }

    /** Where the pid files of this worker's runs are kept. */
    public static Path dir(Path workRoot, String workerId) {
        return workRoot.resolve(DIR).resolve(workerId);
    }

    /**
     * One run recorded in a pid file.
     *
     * @param file      the pid file
     * @param pid       pid of the run's first process, also its session (and process group) id
     * @param startTime that process's start time, in clock ticks since boot ({@code /proc/<pid>/stat} field 22)
     * @param workerId  the worker that started it
     * @param runId     the run's id (its work directory's name)
     * @param workDir   the run's work directory
     * @param labels    what the Docker runtime would put on its container (execution id, attempt, worker id)
     */
    public record Entry(Path file, long pid, long startTime, String workerId, String runId, Path workDir,
                        Map<String, String> labels) {
    }

    /** Records a started run; written to a temporary file and moved in place, so a reader never sees half of it. */
    public static Path write(Path dir, String workerId, String runId, long pid, long startTime, Path workDir,
                             Map<String, String> labels) throws IOException {
        Files.createDirectories(dir);
        Properties properties = new Properties();
        properties.setProperty("pid", Long.toString(pid));
        properties.setProperty("startTime", Long.toString(startTime));
        properties.setProperty("workerId", workerId);
        properties.setProperty("runId", runId);
        properties.setProperty("workDir", workDir.toString());
        labels.forEach((k, v) -> properties.setProperty("label." + k, v));
        Path file = dir.resolve(runId + SUFFIX);
        Path tmp = dir.resolve(runId + SUFFIX + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            properties.store(out, "process runtime run; see io.rgrid.model.agent.RunPidFiles");
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** The runs recorded in {@code dir} for {@code workerId}; unreadable or foreign files are skipped. */
    public static List<Entry> read(Path dir, String workerId) {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return entries;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    Properties p = new Properties();
                    p.load(in);
                    if (!workerId.equals(p.getProperty("workerId"))) {
                        continue;
                    }
                    Map<String, String> labels = new LinkedHashMap<>();
                    for (String name : p.stringPropertyNames()) {
                        if (name.startsWith("label.")) {
                            labels.put(name.substring("label.".length()), p.getProperty(name));
                        }
                    }
                    entries.add(new Entry(file, Long.parseLong(p.getProperty("pid")),
                            Long.parseLong(p.getProperty("startTime")), workerId, p.getProperty("runId"),
                            Path.of(p.getProperty("workDir")), Map.copyOf(labels)));
                } catch (IOException | RuntimeException e) {
                    // half-written by an agent that died while writing it, or not ours: nothing to act on
                }
            }
        } catch (IOException e) {
            // the directory went away
        }
        return entries;
    }

    /** What {@code /proc/<pid>/stat} says about a process. */
    record Stat(long pid, char state, long session, long startTime) {
    }

    /** The start time (clock ticks since boot) of a live process, if there is such a process. */
    public static Optional<Long> startTime(long pid) {
        return stat(pid).map(Stat::startTime);
    }

    static Optional<Stat> stat(long pid) {
        try {
            String text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
            // "pid (comm) state ppid pgrp session ... starttime(22) ...": comm may hold spaces and parentheses.
            String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
            return Optional.of(new Stat(pid, f[0].charAt(0), Long.parseLong(f[3]), Long.parseLong(f[19])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The live processes of the run whose first process had this pid and start time: that process
     * (if the pid still names it), every process in its session, and its descendants (which may
     * have left the session). Empty when the pid now names an unrelated process. Zombies count as
     * gone: they hold nothing and their parent, not us, reaps them.
     */
    public static Set<Long> members(long pid, long startTime) {
        Optional<Stat> leader = stat(pid);
        if (leader.isPresent() && leader.get().startTime() != startTime) {
            return Set.of(); // the pid was reused: our session is gone, or the kernel would not have reused it
        }
        Set<Long> members = new HashSet<>();
        leader.filter(s -> s.state() != 'Z').ifPresent(s -> members.add(pid));
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.map(p -> p.getFileName().toString()).filter(RunPidFiles::isNumber).map(Long::parseLong)
                    .map(RunPidFiles::stat).flatMap(Optional::stream)
                    .filter(s -> s.session() == pid && s.startTime() >= startTime && s.state() != 'Z')
                    .forEach(s -> members.add(s.pid()));
        } catch (IOException e) {
            // no /proc: nothing can be found
        }
        if (leader.isPresent()) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> members.add(d.pid())));
        }
        return members;
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** SIGKILLs the run's processes at once (see {@link #members}); returns how many there were. */
    public static int killNow(long pid, long startTime) {
        Set<Long> seen = new HashSet<>();
        for (int round = 0; round < 10; round++) { // again, for anything forked meanwhile
            Set<Long> members = members(pid, startTime);
            if (members.isEmpty()) {
                break;
            }
            seen.addAll(members);
            members.forEach(m -> signal(m, true));
            sleep(20);
        }
        return seen.size();
    }

    /**
     * Kills the run's processes as a whole: SIGTERM to all of them, then SIGKILL to what is still
     * alive after {@code grace}. Returns how many processes there were (0: nothing was left).
     */
    public static int kill(long pid, long startTime, Duration grace) {
        Set<Long> members = members(pid, startTime);
        if (members.isEmpty()) {
            return 0;
        }
        Set<Long> seen = new HashSet<>(members);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!members.isEmpty() && System.nanoTime() < deadline) {
            members.forEach(m -> signal(m, false));
            sleep(50);
            members = members(pid, startTime);
            seen.addAll(members);
        }
        if (!members.isEmpty()) {
            seen.addAll(members);
            killNow(pid, startTime);
        }
        return seen.size();
    }

    private static void signal(long pid, boolean force) {
        try {
            ProcessHandle.of(pid).ifPresent(h -> {
                boolean ignored = force ? h.destroyForcibly() : h.destroy();
            });
        } catch (IllegalStateException | SecurityException e) {
            // our own process, or not ours to signal
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
