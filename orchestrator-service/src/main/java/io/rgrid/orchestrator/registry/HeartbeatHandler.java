package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.support.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Applies workers' heartbeats (topic rgrid.worker-heartbeats.v1): the first heartbeat of a
 * PROVISIONING worker makes it READY; every heartbeat refreshes its liveness and free resources;
 * a draining agent becomes DRAINING and gets no more work.
 */
@ApplicationScoped
public class HeartbeatHandler {

    private static final Logger LOG = Logger.getLogger(HeartbeatHandler.class);

    @Inject
    Database database;

    @Inject
    WorkerRepository workers;

    @Inject
    WorkerLifecycle lifecycle;

    @Inject
    ExecutionRepository executions;

    @Inject
    OutboxWriter outbox;

    public void handle(Envelope<Event> envelope) {
        if (!(envelope.payload() instanceof WorkerHeartbeat heartbeat)) {
            return;
        }
        if (heartbeat.workerId() == null) {
            LOG.warn("skipping heartbeat without a worker id");
            return;
        }
        database.inTransaction(c -> {
            Optional<WorkerRecord> known = workers.lock(c, heartbeat.workerId());
            if (known.isEmpty()) {
                // Without a token the orchestrator issued, it cannot (and must not) hand this agent work.
                LOG.warnf("heartbeat from unknown worker %s at %s ignored: it was not started by this orchestrator "
                        + "nor configured as a static agent", heartbeat.workerId(), heartbeat.address());
                return null;
            }
            WorkerRecord worker = known.get();
            if (worker.state() == WorkerState.DELETED
                    || (worker.state() == WorkerState.LOST && !"static".equals(worker.provider()))) {
                LOG.debugf("heartbeat from %s worker %s ignored", worker.state(), worker.id());
                return null;
            }
            double reservedCpus = 0;
            int reservedMemory = 0;
            for (WorkerHeartbeat.RunningAttempt running : heartbeat.running()) {
                Optional<ExecutionRecord> execution = executions.find(c, running.executionId());
                if (execution.isPresent()) {
                    reservedCpus += execution.get().spec().cpus();
                    reservedMemory += execution.get().spec().memoryMb();
                }
            }
            workers.recordHeartbeat(c, heartbeat, heartbeat.freeCpus() + reservedCpus,
                    heartbeat.freeMemoryMb() + reservedMemory);
            if (heartbeat.draining()) {
                lifecycle.change(c, worker, WorkerState.DRAINING, "agent is draining");
            } else if (worker.state() == WorkerState.PROVISIONING || worker.state() == WorkerState.LOST) {
                lifecycle.change(c, worker, WorkerState.READY, "first heartbeat from " + heartbeat.address());
                LOG.infof("worker %s is READY at %s (%d slots, runtime %s)", worker.id(), heartbeat.address(),
                        heartbeat.slots(), heartbeat.runtime());
            }
            return null;
        });
        outbox.flushSoon();
    }
}
