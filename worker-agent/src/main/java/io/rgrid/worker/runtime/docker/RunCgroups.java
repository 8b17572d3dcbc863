package io.rgrid.worker.runtime.docker;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Gives each container a parent cgroup the agent owns, so that the kernel's record of the run's
 * memory is still there to read after the container is gone.
 *
 * <p>Why: Docker's {@code OOMKilled} flag is not set on every machine (Docker 20.10 on cgroup v1
 * with kernel 6.18 leaves it false although the kernel killed the process), and the container's
 * own cgroup, which holds the kernel's count, is removed by the runtime before the engine even
 * reports the exit. Its parent is not. Placing the container under
 * {@code <cgroup root>/rgrid/<container name>} ({@code --cgroup-parent}) keeps a place to read:
 * <ul>
 *   <li><b>cgroup v2</b>: {@code memory.events} counts {@code oom_kill} hierarchically, so the
 *       parent holds its child's kills: an exact count.</li>
 *   <li><b>cgroup v1</b>: a kill is counted only in the victim's own cgroup (the container's, gone),
 *       never in a parent, even when the parent's limit was the one hit (tried: kernel 6.18). What
 *       the parent does keep is the peak of the whole subtree's usage
 *       ({@code memory.max_usage_in_bytes}), so it tells whether the run's memory reached its limit;
 *       {@link #hostOomKills()} tells whether the kernel killed anything meanwhile
 *       ({@link io.rgrid.worker.runtime.OomDecision} needs both).</li>
 * </ul>
 * The limit itself stays the container's, exactly as requested. Only with the {@code cgroupfs}
 * driver, where {@code --cgroup-parent} is a path, and only where the agent may create cgroups
 * (root, as on the local grid and the rehearsal's nodes). Elsewhere (the systemd driver of a
 * cgroup v2 host, whose engine reads {@code memory.events} itself and sets the flag reliably) it is
 * off and Docker's flag is the signal; the agent says which at start.
 */
final class RunCgroups {

    private static final Logger LOG = Logger.getLogger(RunCgroups.class);
    /** The agent's subtree in every hierarchy. */
    static final String BASE = "rgrid";
    private static final Path VMSTAT = Path.of("/proc/vmstat");

    /**
     * What the parent of a finished run holds.
     *
     * @param oomKills     the kernel's count of OOM kills in the run's subtree (v2), else null
     * @param limitReached the run's peak memory reached its limit (v1), else null
     */
    record Reading(Long oomKills, Boolean limitReached) {
        static final Reading UNKNOWN = new Reading(null, null);
    }

    private final Mode mode;
    private final String why;
    /** v1: the memory hierarchy's mount; v2: the unified mount. */
    private final Path memoryRoot;
    /** Every cgroup mount: the runtime creates the parent in each hierarchy, and each is removed. */
    private final List<Path> allRoots;

    private enum Mode { OFF, V1, V2 }

    private RunCgroups(Mode mode, String why, Path memoryRoot, List<Path> allRoots) {
        this.mode = mode;
        this.why = why;
        this.memoryRoot = memoryRoot;
        this.allRoots = allRoots;
    }

    static RunCgroups off(String why) {
        return new RunCgroups(Mode.OFF, why, null, List.of());
    }

    /**
     * @param driver  the engine's cgroup driver ({@code docker info})
     * @param version the engine's cgroup version, "1" or "2"
     */
    static RunCgroups detect(String driver, String version, Path mountinfo) {
        if (!"cgroupfs".equals(driver)) {
            return off("the engine's cgroup driver is " + driver + ", which names cgroups itself");
        }
        List<String[]> mounts;
        try {
            mounts = cgroupMounts(Files.readAllLines(mountinfo, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return off("cannot read " + mountinfo + ": " + e.getMessage());
        }
        List<Path> roots = new ArrayList<>();
        Path memory = null;
        boolean v2 = "2".equals(version);
        for (String[] mount : mounts) {
            Path point = Path.of(mount[0]);
            roots.add(point);
            boolean hasMemory = v2 ? mount[1].equals("cgroup2") : mount[1].equals("cgroup")
                    && List.of(mount[2].split(",")).contains("memory");
            if (hasMemory && memory == null) {
                memory = point;
            }
        }
        if (memory == null) {
            return off("no cgroup v" + version + " memory hierarchy is mounted here");
        }
        try {
            Files.createDirectories(memory.resolve(BASE));
        } catch (IOException e) {
            return off("the agent may not create " + memory.resolve(BASE) + " (" + e.getClass().getSimpleName() + ")");
        }
        return new RunCgroups(v2 ? Mode.V2 : Mode.V1, null, memory, List.copyOf(roots));
    }

    /** Mount point, file-system type and super options of every cgroup mount in a mountinfo. */
    static List<String[]> cgroupMounts(List<String> mountinfo) {
        List<String[]> out = new ArrayList<>();
        for (String line : mountinfo) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length >= 5 && after.length >= 3 && (after[0].equals("cgroup") || after[0].equals("cgroup2"))) {
                out.add(new String[] {before[4], after[0], after[2]});
            }
        }
        return out;
    }

    boolean enabled() {
        return mode != Mode.OFF;
    }

    /** Why the parent is not used here; null when it is. */
    String whyOff() {
        return why;
    }

    /**
     * The {@code --cgroup-parent} for the container named {@code name}; empty when off or when it
     * could not be set up (the run then goes without it, and Docker's flag is its only OOM signal).
     */
    Optional<String> prepare(String name) {
        String parent = "/" + BASE + "/" + name;
        if (mode == Mode.V2) {
            return Optional.of(parent); // the runtime creates it on start
        }
        if (mode != Mode.V1) {
            return Optional.empty();
        }
        // Made before the container, so a peak of 0 afterwards shows it was never under it.
        Path dir = memoryRoot.resolve(BASE).resolve(name);
        try {
            Files.createDirectories(dir);
            return Optional.of(parent);
        } catch (IOException e) {
            LOG.warnf("Could not create the cgroup %s (%s); this run's OOM verdict rests on Docker's flag", dir, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * What the parent of container {@code name} holds once the container has stopped; unknown
     * when off, or when the container was not placed under this agent's view of the parent.
     */
    Reading read(String name, long memoryLimitBytes) {
        if (mode == Mode.OFF) {
            return Reading.UNKNOWN;
        }
        Path dir = memoryRoot.resolve(BASE).resolve(name);
        try {
            if (mode == Mode.V1) {
                long peak = Long.parseLong(Files.readString(dir.resolve("memory.max_usage_in_bytes")).strip());
                // Nothing ever charged: the container was not under this parent (another view of the cgroups).
                return peak == 0 ? Reading.UNKNOWN : new Reading(null, peak >= memoryLimitBytes);
            }
            // v2: the runtime created the directory, so it is the container's parent.
            return new Reading(counter(Files.readAllLines(dir.resolve("memory.events")), "oom_kill"), null);
        } catch (IOException | NumberFormatException e) {
            LOG.debugf("cgroup of %s not readable: %s", name, e.getMessage());
            return Reading.UNKNOWN;
        }
    }

    /** The kernel's count of OOM kills on this host since boot; null where it is not kept. */
    static Long hostOomKills() {
        try {
            return counter(Files.readAllLines(VMSTAT), "oom_kill");
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** The host's OOM kills since {@code before} was read; null when either reading is missing. */
    static Long hostOomKillsSince(Long before) {
        Long now = before == null ? null : hostOomKills();
        return now == null ? null : now - before;
    }

    /** The value of a {@code key value} line, or null. */
    static Long counter(List<String> lines, String key) {
        for (String line : lines) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2 && parts[0].equals(key)) {
                return Long.parseLong(parts[1]);
            }
        }
        return null;
    }

    /** Removes the parent of container {@code name} from every hierarchy; never throws. */
    void remove(String name) {
        for (Path root : allRoots) {
            Path dir = root.resolve(BASE).resolve(name);
            try {
                Files.deleteIfExists(dir); // rmdir: a cgroup's files go with it
            } catch (NoSuchFileException e) {
                // gone already
            } catch (DirectoryNotEmptyException e) {
                LOG.debugf("cgroup %s still in use; left for the runtime", dir);
            } catch (IOException e) {
                LOG.debugf("Could not remove cgroup %s: %s", dir, e.getMessage());
            }
        }
    }
}
