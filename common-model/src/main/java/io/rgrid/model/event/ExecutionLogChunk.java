package io.rgrid.model.event;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A piece of an attempt's log, for live following. {@code seq} starts at 0 per attempt and
 * grows by one per chunk, so a consumer can order and de-duplicate them.
 *
 * @param offset where the chunk's text starts in the attempt's stored log, in UTF-8 bytes: the
 *               chunks and the stored log are the same bytes, so a follower knows exactly which
 *               part of the log it has shown, whatever order chunks and stored parts reach it in
 *               (null from agents that predate it)
 */
public record ExecutionLogChunk(UUID executionId, int attempt, LogStream stream, long seq, String text, Long offset)
        implements Event {

    /** A chunk without its offset (as older agents sent them). */
    public ExecutionLogChunk(UUID executionId, int attempt, LogStream stream, long seq, String text) {
        this(executionId, attempt, stream, seq, text, null);
    }

    /** The length of the text in the stored log. */
    public long byteLength() {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public String key() {
        return executionId.toString();
    }
}
