package io.rgrid.model.agent;

/** What {@code GET /v1/health} answers. */
public record AgentHealth(String workerId, String status, int slots, int freeSlots, String runtime, String version,
                          boolean draining) {
}
