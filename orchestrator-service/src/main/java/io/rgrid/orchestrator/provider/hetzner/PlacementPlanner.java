package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a server is tried, in order: {@code server-type@location} first, then each of
 * {@code fallbacks}; for a chosen machine type, that type in the default location, then the
 * fallbacks that name the same type. The provider moves to the next when Hetzner answers
 * {@code resource_unavailable} or {@code placement_error}.
 */
final class PlacementPlanner {

    private PlacementPlanner() {
    }

    /**
     * The default type and location, then the fallbacks ({@code type@location}, blank entries
     * ignored), without repeats.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code type@location}
     */
    static List<Placement> placements(String serverType, String location, List<String> fallbacks) {
        List<Placement> out = new ArrayList<>();
        out.add(new Placement(serverType, location));
        for (String entry : fallbacks) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("@", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("rgrid.orchestrator.hetzner.fallbacks: entry '" + trimmed
                        + "' is not type@location (e.g. cx33@fsn1)");
            }
            Placement placement = new Placement(parts[0].trim(), parts[1].trim());
            if (!out.contains(placement)) {
                out.add(placement);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Where a worker of {@code type} is tried: the default placements when no type was chosen;
     * else the type in the default location, then the fallbacks' locations that name the same type.
     */
    static List<Placement> placementsFor(List<Placement> placements, String location, MachineType type) {
        if (type == null) {
            return placements;
        }
        List<Placement> out = new ArrayList<>();
        out.add(new Placement(type.name(), location));
        placements.stream().filter(p -> p.serverType().equals(type.name()) && !out.contains(p)).forEach(out::add);
        return List.copyOf(out);
    }
}
