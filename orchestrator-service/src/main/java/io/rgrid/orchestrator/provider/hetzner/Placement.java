package io.rgrid.orchestrator.provider.hetzner;

/** One (server type, location) to try. */
public record Placement(String serverType, String location) {
    @Override
    public String toString() {
        return serverType + "@" + location;
    }
}
