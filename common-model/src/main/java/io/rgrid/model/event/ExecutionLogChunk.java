package io.rgrid.model.event;

import java.util.UUID;

/**
 * A piece of an attempt's log, for live following. {@code seq} starts at 0 per attempt and
 * grows by one per chunk, so a consumer can order and de-duplicate them.
 */
public record ExecutionLogChunk(UUID executionId, int attempt, LogStream stream, long seq, String text) implements Event {

    @Override
    public String key() {
        return executionId.toString();
    }
}
