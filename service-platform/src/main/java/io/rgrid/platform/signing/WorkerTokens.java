package io.rgrid.platform.signing;

import java.util.Optional;

/**
 * The tokens of the workers a service knows, to verify their heartbeats. The orchestrator provides
 * it (its registry holds every token it issued or was configured with); api-service has none and
 * so cannot verify heartbeats (docs/security.md says what that leaves open).
 */
public interface WorkerTokens {

    /** The worker's token, or empty for a worker this service does not know. */
    Optional<String> token(String workerId);
}
