package io.rgrid.model.event;

/** A worker's lifecycle, as the orchestrator sees it. */
public enum WorkerState {
    PROVISIONING,
    READY,
    DRAINING,
    LOST,
    DELETED
}
