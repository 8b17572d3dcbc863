package io.rgrid.model.api;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The orchestrator's {@code POST /v1/executions/known}: which of the given executions it has a
 * copy of, and at which attempt. api-service's reconciliation asks it about executions that are
 * non-terminal in the API, and announces again the submission of those it does not know.
 */
public final class KnownExecutions {

    public static final String PATH = "/v1/executions/known";
    /** The most ids one request may name. */
    public static final int MAX_IDS = 1000;

    private KnownExecutions() {
    }

    /** The executions asked about. */
    public record Request(List<UUID> ids) {
    }

    /** The current attempt of each asked-about execution the orchestrator knows; unknown ids are left out. */
    public record Answer(Map<UUID, Integer> known) {
    }
}
