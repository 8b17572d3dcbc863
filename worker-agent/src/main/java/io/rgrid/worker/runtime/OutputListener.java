package io.rgrid.worker.runtime;

import io.rgrid.model.event.LogStream;

/** Receives a run's output. Called from the runtime's reader threads; implementations must be thread-safe. */
@FunctionalInterface
public interface OutputListener {

    /** @param text a line including its newline, or a final fragment without one */
    void onOutput(LogStream stream, String text);
}
