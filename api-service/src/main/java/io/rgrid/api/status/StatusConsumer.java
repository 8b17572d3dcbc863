package io.rgrid.api.status;

import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.platform.messaging.BatchConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@link Topics#EXECUTION_STATUS} (channel {@value #CHANNEL}, group
 * {@code rgrid.status-consumer.group-id}, shared by every api-service instance) and applies each
 * report through {@link StatusService}, one transaction per report: StatusService acts after each
 * report's own commit (StateApplied ends log follows, metrics count the change), so the poll is
 * not one transaction here. {@link BatchConsumer} commits the poll's offsets after all of them were
 * applied and, when one fails, applies the poll again after a pause; applying a report twice
 * changes nothing (the state machine and attempt fencing refuse the repeat).
 */
@ApplicationScoped
public class StatusConsumer {

    static final String CHANNEL = "execution-status";
    private static final Logger LOG = Logger.getLogger(StatusConsumer.class);

    private final BatchConsumer consumer;
    private final StatusService statusService;

    public StatusConsumer(BatchConsumer consumer, StatusService statusService) {
        this.consumer = consumer;
        this.statusService = statusService;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        consumer.consume(CHANNEL, records, events -> events.forEach(this::handle));
    }

    /** Applies one report; reports of another type or incomplete ones are skipped, failures propagate. */
    void handle(Envelope<Event> envelope) {
        if (!(envelope.payload() instanceof ExecutionStatusChanged report)) {
            LOG.warnf("skipping %s on the status topic", envelope.type());
            return;
        }
        if (report.executionId() == null || report.state() == null || report.attempt() < 1) {
            LOG.warnf("skipping incomplete status report %s", envelope.eventId());
            return;
        }
        statusService.apply(report);
    }
}
