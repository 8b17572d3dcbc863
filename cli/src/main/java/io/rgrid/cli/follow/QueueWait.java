package io.rgrid.cli.follow;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ExecutionView;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Why a QUEUED execution waits, for {@link ExecutionFollower}: the queue's depth and, when this
 * execution is the oldest queued one, the orchestrator's reason (e.g. "provisioning a worker,
 * ~60 s"), from {@code GET /api/v1/queue} at most every 3 s, each line said once. An API without
 * {@code /queue} is not an error: nothing is said.
 */
final class QueueWait {

    private static final long CHECK_NANOS = Duration.ofSeconds(3).toNanos();

    private final ApiClient api;
    private boolean apiMissing;
    private long lastCheck;
    private String lastLine;

    QueueWait(ApiClient api) {
        this.api = api;
    }

    /** Asks the queue when the last look is 3 s old, and gives {@code say} a line that changed. */
    void explain(ExecutionView view, Consumer<String> say) {
        long now = System.nanoTime();
        if (apiMissing || (lastCheck != 0 && now - lastCheck < CHECK_NANOS)) {
            return;
        }
        lastCheck = now;
        JsonNode queue;
        try {
            queue = api.getJson(ApiPaths.BASE + "/queue", null);
        } catch (CliException e) {
            apiMissing = !(e.getCause() instanceof IOException);
            return;
        }
        String line = line(queue, view.id().toString());
        if (line != null && !line.equals(lastLine)) {
            lastLine = line;
            say.accept(line);
        }
    }

    /** E.g. {@code waiting: provisioning a worker, ~60 s (2 queued, 1 running)}; null when there is nothing to say. */
    static String line(JsonNode queue, String id) {
        JsonNode depth = queue.path("depth");
        long queued = depth.path("QUEUED").asLong(0);
        long active = depth.path("ASSIGNED").asLong(0) + depth.path("RUNNING").asLong(0);
        String counts = queued + " queued, " + active + " running";
        JsonNode oldest = queue.path("oldest");
        if (oldest.isObject() && id.equals(oldest.path("id").asText()) && oldest.hasNonNull("reason")) {
            StringBuilder line = new StringBuilder("waiting: ").append(reasonText(oldest.get("reason").asText()));
            if (oldest.hasNonNull("etaSeconds")) {
                line.append(", ~").append(oldest.get("etaSeconds").asLong()).append(" s");
            }
            if (oldest.hasNonNull("detail") && !oldest.get("detail").asText().isBlank()) {
                line.append(" - ").append(oldest.get("detail").asText().strip());
            }
            return line.append(" (").append(counts).append(')').toString();
        }
        if (oldest.isObject() && !id.equals(oldest.path("id").asText()) && queued > 1) {
            return "waiting behind older executions (" + counts + ")";
        }
        return queued > 0 ? "waiting (" + counts + ")" : null;
    }

    private static String reasonText(String reason) {
        return switch (reason) {
            case "PROVISIONING" -> "provisioning a worker";
            case "NO_CAPACITY" -> "every worker is busy and the grid is at its size limit";
            case "WAITING_FOR_SLOT" -> "waiting for a free slot on a worker";
            default -> reason.toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }
}
