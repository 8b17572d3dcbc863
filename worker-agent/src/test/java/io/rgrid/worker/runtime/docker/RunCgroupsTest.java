package io.rgrid.worker.runtime.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link RunCgroups} reads from mountinfo and counter files; the real kernel is DockerRuntimeTest's. */
class RunCgroupsTest {

    /** A cgroup v1 host in hybrid mode, as on the machines with Docker 20.10 and kernel 6.18. */
    private static final List<String> V1 = List.of(
            "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
            "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw",
            "27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd",
            "31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory",
            "32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids",
            "40 30 0:35 / /proc rw,nosuid - proc proc rw");

    @Test
    void findsEveryCgroupMountAndTheMemoryHierarchy() {
        List<String[]> mounts = RunCgroups.cgroupMounts(V1);
        assertThat(mounts).extracting(m -> m[0]).containsExactly("/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd",
                "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids");
        assertThat(mounts.get(2)).containsExactly("/sys/fs/cgroup/memory", "cgroup", "rw,memory");
    }

    @Test
    void theSystemdDriverLeavesTheFlagAsTheOnlySignal(@TempDir Path tmp) throws Exception {
        Path mountinfo = Files.write(tmp.resolve("mountinfo"), V1);
        RunCgroups cgroups = RunCgroups.detect("systemd", "2", mountinfo);
        assertThat(cgroups.enabled()).isFalse();
        assertThat(cgroups.whyOff()).contains("systemd");
        assertThat(cgroups.prepare("rgrid-run")).isEmpty();
        assertThat(cgroups.read("rgrid-run", 64L << 20)).isEqualTo(RunCgroups.Reading.UNKNOWN);
    }

    @Test
    void noMemoryHierarchyMeansOff(@TempDir Path tmp) throws Exception {
        Path mountinfo = Files.write(tmp.resolve("mountinfo"), List.of(V1.get(0), V1.get(4), V1.get(5)));
        RunCgroups cgroups = RunCgroups.detect("cgroupfs", "1", mountinfo);
        assertThat(cgroups.enabled()).isFalse();
        assertThat(cgroups.whyOff()).contains("no cgroup v1 memory hierarchy");
    }

    @Test
    void readsCountersOfBothVersions() {
        List<String> v1 = List.of("oom_kill_disable 0", "under_oom 0", "oom_kill 3");
        List<String> v2 = List.of("low 0", "high 0", "max 12", "oom 2", "oom_kill 2", "oom_group_kill 0");
        assertThat(RunCgroups.counter(v1, "oom_kill")).isEqualTo(3L);
        assertThat(RunCgroups.counter(v2, "oom_kill")).isEqualTo(2L);
        assertThat(RunCgroups.counter(List.of("oom_kill_disable 0"), "oom_kill")).isNull();
    }
}
