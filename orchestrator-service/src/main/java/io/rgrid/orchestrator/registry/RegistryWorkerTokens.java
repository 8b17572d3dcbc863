package io.rgrid.orchestrator.registry;

import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.signing.WorkerTokens;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * The tokens heartbeats are verified with: the registry's (the token the orchestrator issued at
 * provisioning, or a static agent's configured one). A deleted worker's row keeps its token, so its
 * late heartbeats still verify and are then ignored as before.
 */
@ApplicationScoped
public class RegistryWorkerTokens implements WorkerTokens {

    private final Transactions database;
    private final WorkerRepository workers;

    public RegistryWorkerTokens(Transactions database, WorkerRepository workers) {
        this.database = database;
        this.workers = workers;
    }

    @Override
    public Optional<String> token(String workerId) {
        return database.inTransaction(c -> workers.token(c, workerId));
    }
}
