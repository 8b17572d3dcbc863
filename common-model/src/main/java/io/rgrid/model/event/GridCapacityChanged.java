package io.rgrid.model.event;

import io.rgrid.model.Topics;

import java.util.List;

/**
 * The machine types the grid may run executions on, published by the orchestrator on start and
 * whenever the list changes (config, prices or types withdrawn), so api-service can refuse at
 * submission what no type can ever hold without reading the orchestrator's tables.
 *
 * @param provider     the orchestrator's provider: {@code hetzner}, {@code local} or {@code static}
 * @param machineTypes the allowed types with their sizes and prices; empty while the provider cannot
 *                     tell (then nothing is refused at submission)
 */
public record GridCapacityChanged(String provider, List<MachineType> machineTypes) implements Event {

    public GridCapacityChanged {
        machineTypes = machineTypes == null ? List.of() : List.copyOf(machineTypes);
    }

    @Override
    public String key() {
        return Topics.CLUSTER_KEY;
    }
}
