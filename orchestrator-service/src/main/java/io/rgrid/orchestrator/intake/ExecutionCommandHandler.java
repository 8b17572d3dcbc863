package io.rgrid.orchestrator.intake;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Applies api-service's commands (topic rgrid.executions.v1). Both are idempotent: a submission
 * seen twice is inserted once; a cancel of an execution that already ended changes nothing.
 */
@ApplicationScoped
public class ExecutionCommandHandler {

    private static final Logger LOG = Logger.getLogger(ExecutionCommandHandler.class);

    @Inject
    Transactions database;

    @Inject
    ExecutionRepository executions;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    WorkerRepository workers;

    @Inject
    AgentClient agents;

    @Inject
    OutboxWriter outbox;

    public void handle(Envelope<Event> envelope) {
        switch (envelope.payload()) {
            case ExecutionSubmitted submitted -> submitted(submitted);
            case ExecutionCancelRequested cancel -> cancelRequested(cancel);
            default -> {
            }
        }
    }

    private void submitted(ExecutionSubmitted submitted) {
        if (submitted.executionId() == null || submitted.spec() == null || submitted.scriptKey() == null
                || submitted.projectId() == null) {
            LOG.warnf("skipping incomplete ExecutionSubmitted %s", submitted.executionId());
            return;
        }
        boolean inserted = database.inTransaction(c -> executions.insertQueued(c, submitted));
        if (inserted) {
            LOG.infof("queued %s (project %s)", submitted.executionId(), submitted.projectId());
        }
    }

    private void cancelRequested(ExecutionCancelRequested cancel) {
        if (cancel.executionId() == null) {
            LOG.warn("skipping ExecutionCancelRequested without an execution id");
            return;
        }
        // The worker to tell, when one holds the execution: called after the commit, never inside it.
        Optional<WorkerRecord> holder = database.inTransaction(c -> {
            Optional<ExecutionRecord> found = executions.lock(c, cancel.executionId());
            if (found.isEmpty()) {
                LOG.warnf("cancel of unknown execution %s ignored", cancel.executionId());
                return Optional.<WorkerRecord>empty();
            }
            ExecutionRecord execution = found.get();
            if (execution.state() == ExecutionState.QUEUED) {
                transitions.cancelQueued(c, execution);
                LOG.infof("cancelled queued %s", execution.id());
                return Optional.<WorkerRecord>empty();
            }
            if (ExecutionState.ON_WORKER.contains(execution.state())) {
                executions.markCancelRequested(c, execution.id());
                return workers.lock(c, execution.workerId());
            }
            return Optional.<WorkerRecord>empty();
        });
        outbox.flushSoon();
        holder.ifPresent(worker -> {
            // The worker reports the attempt CANCELLED itself; should it be unreachable, the
            // health monitor loses it and cancel_requested ends the execution CANCELLED.
            // NOT_HELD: the assignment may still be on its way; the dispatcher passes the cancel on
            // when the agent acknowledges it (cancel_requested is committed).
            AgentAnswers.Cancel answer = agents.cancel(worker, cancel.executionId());
            if (answer == AgentAnswers.Cancel.NOT_HELD) {
                LOG.infof("worker %s does not hold %s yet; the cancel is passed on once it acknowledges the assignment",
                        worker.id(), cancel.executionId());
            } else if (answer != AgentAnswers.Cancel.ACCEPTED) {
                LOG.warnf("worker %s did not accept the cancel of %s: %s", worker.id(), cancel.executionId(), answer);
            }
        });
    }
}
