package io.rgrid.api.execution.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.model.Json;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * JSON bodies of the executions API. An execution is {@link io.rgrid.model.api.ExecutionView}'s
 * fields plus {@code retryOf} when it retries another execution: an added member that every
 * reader of ExecutionView ignores (Json.mapper() skips unknown fields), so the shared record's
 * constructor stays as other modules use it.
 */
public final class ExecutionJson {

    private ExecutionJson() {
    }

    public static ObjectNode of(ExecutionRecord row) {
        ObjectNode node = Json.mapper().valueToTree(row.toView());
        if (row.retryOf() != null) {
            node.put("retryOf", row.retryOf().toString());
        }
        return node;
    }

    /** A page of executions; {@code nextCursor} is null on the last page. */
    public record Page(List<ObjectNode> items, String nextCursor) {
    }

    /** An output file of an attempt; {@code etag} is the store's checksum (MD5 for single-part uploads). */
    public record Output(String name, long size, String etag, Instant lastModified) {
    }

    public record Outputs(UUID executionId, int attempt, List<Output> outputs) {
    }
}
