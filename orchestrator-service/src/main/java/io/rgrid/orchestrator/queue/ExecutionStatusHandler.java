package io.rgrid.orchestrator.queue;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.support.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Applies workers' reports (topic rgrid.execution-status.v1) to the orchestrator's copy, so a
 * finished attempt frees its slot. The orchestrator's own reports on the same topic are skipped:
 * its copy changed in the transaction that wrote them.
 */
@ApplicationScoped
public class ExecutionStatusHandler {

    private static final Logger LOG = Logger.getLogger(ExecutionStatusHandler.class);

    @Inject
    Database database;

    @Inject
    ExecutionRepository executions;

    @Inject
    ExecutionTransitions transitions;

    public void handle(Envelope<Event> envelope) {
        if (!(envelope.payload() instanceof ExecutionStatusChanged report)) {
            return;
        }
        if (ExecutionStatusChanged.ORCHESTRATOR.equals(report.reportedBy())) {
            return;
        }
        if (report.executionId() == null || report.state() == null) {
            LOG.warn("skipping ExecutionStatusChanged without execution id or state");
            return;
        }
        database.inTransaction(c -> {
            Optional<ExecutionRecord> execution = executions.lock(c, report.executionId());
            if (execution.isEmpty()) {
                LOG.debugf("report about unknown execution %s ignored", report.executionId());
            } else if (transitions.applyWorkerReport(c, execution.get(), report)) {
                LOG.debugf("%s attempt %d is %s (reported by %s)", report.executionId(), report.attempt(),
                        report.state(), report.reportedBy());
            }
            return null;
        });
    }
}
