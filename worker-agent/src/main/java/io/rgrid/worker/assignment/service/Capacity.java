package io.rgrid.worker.assignment.service;

import io.rgrid.model.event.WorkerHeartbeat.RunningAttempt;

import java.util.List;

/** What this agent holds and what it can still take, at one moment. */
public record Capacity(int slots, int freeSlots, double freeCpus, int freeMemoryMb, List<RunningAttempt> running,
                       boolean draining) {

    public Capacity {
        running = List.copyOf(running);
    }
}
