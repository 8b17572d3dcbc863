package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import io.rgrid.worker.runtime.RunRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a run's container is: its hardened host settings (see {@link DockerRuntime}), command,
 * environment, name and user. Building it only; the engine calls are {@link DockerRuntime}'s.
 */
final class ContainerSpecs {

    /** nobody:nogroup, present in every Debian-based image; scripts never run as root. */
    static final String USER = "65534:65534";

    private ContainerSpecs() {
    }

    /**
     * The create command of a run's container, not sent yet.
     *
     * @param cgroupParent the run's parent cgroup, when the kernel's OOM record is read ({@link RunCgroups})
     */
    static CreateContainerCmd createCmd(DockerClient docker, RunRequest request, DockerRuntime.Settings settings,
                                        Optional<String> cgroupParent) {
        return createCmd(docker, request, settings, cgroupParent, Optional.empty());
    }

    /**
     * @param control a warm container's control directory, mounted at {@value WarmPool#CONTROL_MOUNT}
     *                ({@link WarmPool}); empty for a run's own container
     */
    static CreateContainerCmd createCmd(DockerClient docker, RunRequest request, DockerRuntime.Settings settings,
                                        Optional<String> cgroupParent, Optional<Path> control) {
        long memoryBytes = memoryBytes(request);
        List<Bind> binds = new ArrayList<>(List.of(
                new Bind(request.workDir().toString(), new Volume(RunRequest.CONTAINER_WORK_DIR), AccessMode.rw),
                // Inputs are the user's data: mounted again, read-only, over the writable work dir.
                new Bind(request.workDir().resolve(RunRequest.INPUTS).toString(),
                        new Volume(RunRequest.CONTAINER_WORK_DIR + "/" + RunRequest.INPUTS), AccessMode.ro)));
        control.ifPresent(dir -> binds.add(new Bind(dir.toString(), new Volume(WarmPool.CONTROL_MOUNT), AccessMode.rw)));
        HostConfig host = HostConfig.newHostConfig()
                .withBinds(binds)
                .withMemory(memoryBytes)
                .withMemorySwap(memoryBytes) // equal: no swap on top of the limit, so OOM is OOM
                .withNanoCPUs(Math.max(1L, Math.round(request.cpus() * 1_000_000_000d)))
                .withPidsLimit((long) settings.pidsLimit())
                .withNetworkMode(settings.networkFor(request.network()))
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withReadonlyRootfs(true)
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + settings.tmpSizeMb() + "m"));
        cgroupParent.ifPresent(host::withCgroupParent);
        List<String> command = new ArrayList<>();
        command.add("python3");
        command.addAll(request.pythonArgs());
        return docker.createContainerCmd(request.image())
                .withName(containerName(request.runId()))
                .withCmd(command)
                .withWorkingDir(RunRequest.CONTAINER_WORK_DIR)
                .withEnv(environment(request.env(), Files.isDirectory(
                        request.workDir().resolve(RunRequest.DEPS))))
                .withUser(USER)
                .withLabels(request.labels())
                .withTty(false)
                .withHostConfig(host);
    }

    static long memoryBytes(RunRequest request) {
        return request.memoryMb() * 1024L * 1024L;
    }

    static List<String> environment(Map<String, String> specEnv, boolean withDeps) {
        Map<String, String> env = new LinkedHashMap<>();
        if (withDeps) {
            // The execution's requirements, installed with pip --target before the script.
            env.put("PYTHONPATH", RunRequest.CONTAINER_WORK_DIR + "/" + RunRequest.DEPS);
        }
        // Unbuffered so stdout and stderr interleave in the log as the script wrote them.
        env.put("PYTHONUNBUFFERED", "1");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("HOME", "/tmp"); // nobody's home does not exist; the root fs is read-only anyway
        env.putAll(specEnv);
        List<String> out = new ArrayList<>(env.size());
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    static String containerName(String runId) {
        return "rgrid-" + runId.replaceAll("[^a-zA-Z0-9_.-]", "-");
    }
}
