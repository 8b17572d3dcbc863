package io.rgrid.orchestrator.provider;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.config.RgridConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A fixed list of agents someone else runs ({@code rgrid.orchestrator.static.agents}, entries
 * {@code id=url=token}). Nothing is created or deleted: the autoscaler leaves it alone. Its
 * capacity is what the operator declares the largest agent to be
 * ({@code rgrid.orchestrator.static.worker-cpus} and {@code worker-memory-mb}): the orchestrator
 * cannot know an agent's size before its first heartbeat, and a grid that refuses work because an
 * agent was slow to start would be worse than one that refuses nothing.
 */
public final class StaticProvider implements CloudProvider {

    private final List<ConfiguredWorker> agents;
    private final List<MachineType> machineTypes;
    private final Instant registeredAt = Instant.now();

    public StaticProvider(List<String> entries) {
        this(entries, Optional.empty(), Optional.empty());
    }

    StaticProvider(List<String> entries, Optional<Double> workerCpus, Optional<Integer> workerMemoryMb) {
        this.agents = parse(entries);
        this.machineTypes = size(workerCpus, workerMemoryMb);
    }

    public static StaticProvider of(RgridConfig.Static settings) {
        return new StaticProvider(settings.agents().orElse(List.of()), settings.workerCpus(),
                settings.workerMemoryMb());
    }

    /** One type, {@code static}, of the declared size; none when the size is not declared. */
    static List<MachineType> size(Optional<Double> cpus, Optional<Integer> memoryMb) {
        if (cpus.isEmpty() && memoryMb.isEmpty()) {
            return List.of();
        }
        if (cpus.isEmpty() || memoryMb.isEmpty()) {
            throw new IllegalArgumentException("rgrid.orchestrator.static.worker-cpus and worker-memory-mb "
                    + "describe the largest agent together: set both (e.g. 4 and 8192) or neither");
        }
        if (!(cpus.get() > 0) || cpus.get().isInfinite() || memoryMb.get() <= 0) {
            throw new IllegalArgumentException("rgrid.orchestrator.static.worker-cpus and worker-memory-mb must be "
                    + "positive (got " + cpus.get() + " CPUs and " + memoryMb.get() + " MiB)");
        }
        return List.of(new MachineType("static", cpus.get(), memoryMb.get(), 0.0));
    }

    @Override
    public List<MachineType> machineTypes() {
        return machineTypes;
    }

    /** Parses {@code id=url=token} entries; the token may itself contain '=' (base64 padding). */
    static List<ConfiguredWorker> parse(List<String> entries) {
        List<ConfiguredWorker> out = new ArrayList<>();
        for (String entry : entries) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("=", 3);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("rgrid.orchestrator.static.agents: entry '" + redact(trimmed)
                        + "' is not id=url=token");
            }
            out.add(new ConfiguredWorker(parts[0].trim(), parts[1].trim(), parts[2].trim()));
        }
        return List.copyOf(out);
    }

    private static String redact(String entry) {
        int last = entry.lastIndexOf('=');
        return last < 0 ? entry : entry.substring(0, last + 1) + "***";
    }

    @Override
    public String name() {
        return "static";
    }

    @Override
    public boolean scalable() {
        return false;
    }

    @Override
    public ServerOffer offer() {
        return new ServerOffer("static", 0.0, Duration.ZERO);
    }

    @Override
    public ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException {
        throw new ProvisioningException("the static provider cannot create workers; add agents to "
                + "rgrid.orchestrator.static.agents instead");
    }

    @Override
    public Optional<Instant> terminate(String workerId) {
        return Optional.empty(); // not ours to delete: the agent is run by someone else
    }

    @Override
    public List<ProvisionedServer> list() {
        return agents.stream()
                .map(a -> new ProvisionedServer(a.workerId(), a.workerId(), a.address(), registeredAt, "static", 0.0))
                .toList();
    }

    @Override
    public List<ConfiguredWorker> configuredWorkers() {
        return agents;
    }
}
