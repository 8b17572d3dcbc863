package io.rgrid.orchestrator.queue;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.config.FaultPoints;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Applies workers' reports (topic rgrid.execution-status.v1) to the orchestrator's copy, so a
 * finished attempt frees its slot. The orchestrator's own reports on the same topic are skipped:
 * its copy changed in the transaction that wrote them.
 */
@ApplicationScoped
public class ExecutionStatusHandler {

    private static final Logger LOG = Logger.getLogger(ExecutionStatusHandler.class);

    @Inject
    Transactions database;

    @Inject
    ExecutionRepository executions;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    FaultPoints faultPoints;

    public void handle(Envelope<Event> envelope) {
        handleAll(List.of(envelope));
    }

    /**
     * Applies the reports of one consumer poll in one transaction: their executions are locked
     * in one statement (id order), each report is fenced and checked in publication order, and
     * the changed executions are written in one batch.
     */
    public void handleAll(List<Envelope<Event>> envelopes) {
        List<ExecutionStatusChanged> reports = new ArrayList<>();
        for (Envelope<Event> envelope : envelopes) {
            if (!(envelope.payload() instanceof ExecutionStatusChanged report)
                    || ExecutionStatusChanged.ORCHESTRATOR.equals(report.reportedBy())) {
                continue;
            }
            if (report.executionId() == null || report.state() == null) {
                LOG.warn("skipping ExecutionStatusChanged without execution id or state");
                continue;
            }
            reports.add(report);
        }
        if (reports.isEmpty()) {
            return;
        }
        Set<UUID> ids = new HashSet<>();
        reports.forEach(r -> ids.add(r.executionId()));
        int applied = database.inTransaction(c -> {
            Map<UUID, ExecutionRecord> locked = executions.lockAll(c, ids);
            faultPoints.reachedIf(FaultPoints.BEFORE_REPORT,
                    () -> locked.values().stream().anyMatch(e -> e.state() == ExecutionState.ASSIGNED));
            return transitions.applyWorkerReports(c, locked, reports);
        });
        LOG.debugf("%d of %d worker reports applied", applied, reports.size());
    }
}
