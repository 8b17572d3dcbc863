package io.rgrid.orchestrator.outbox;

import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.platform.outbox.OutboxTable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The orchestrator's outbox is {@code orchestrator.outbox}; service-platform's {@link OutboxRelay}
 * publishes and purges it, started and stopped by {@code OrchestratorLifecycle} after the topics.
 */
@ApplicationScoped
public class OrchestratorOutbox {

    public static final OutboxTable TABLE = new OutboxTable("orchestrator.outbox", "key");

    @Produces
    @Singleton
    OutboxTable table() {
        return TABLE;
    }
}
