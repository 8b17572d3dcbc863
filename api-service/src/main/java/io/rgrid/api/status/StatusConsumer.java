package io.rgrid.api.status;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.kafka.ConsumerThread;
import io.rgrid.api.kafka.GroupConsumerLoop;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Reads {@link Topics#EXECUTION_STATUS} and applies each report through {@link StatusService}, one
 * transaction per report. Offsets are committed only after the reports before them were applied
 * (at least once; applying is idempotent). When the database fails, the consumer rewinds to the
 * first report it could not apply and tries again after a pause, so no report is skipped
 * ({@link GroupConsumerLoop#recordByRecord}).
 */
@Singleton
public class StatusConsumer {

    private static final Logger LOG = Logger.getLogger(StatusConsumer.class);

    private final StatusService statusService;
    private final GroupConsumerLoop loop;

    public StatusConsumer(KafkaClients kafka, TopicCreator topics, StatusService statusService, RgridConfig config) {
        this.statusService = statusService;
        RgridConfig.StatusConsumer settings = config.statusConsumer();
        this.loop = new GroupConsumerLoop(kafka, topics, LOG, new GroupConsumerLoop.Settings(
                "rgrid-status-consumer", "status consumer", settings.groupId(), "rgrid-api-status",
                List.of(Topics.EXECUTION_STATUS), settings.pollTimeout(), settings.maxBackoff()),
                // Record by record, not one transaction per poll: StatusService commits each report on its
                // own and acts after that commit (StateApplied ends log follows, metrics count the change).
                GroupConsumerLoop.recordByRecord("status report", this::handle));
    }

    void onStart(@Observes StartupEvent event) {
        loop.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        loop.stop();
    }

    /** Applies one record; malformed and unknown records are skipped here, database failures propagate. */
    void handle(ConsumerRecord<String, byte[]> record) {
        Optional<Envelope<Event>> envelope = ConsumerThread.decode(record, LOG);
        if (envelope.isEmpty()) {
            LOG.debugf("skipping record of an unknown event type at offset %d", record.offset());
            return;
        }
        if (!(envelope.get().payload() instanceof ExecutionStatusChanged report)) {
            LOG.warnf("skipping %s on the status topic at offset %d", envelope.get().type(), record.offset());
            return;
        }
        if (report.executionId() == null || report.state() == null || report.attempt() < 1) {
            LOG.warnf("skipping incomplete status report at %s-%d offset %d", record.topic(), record.partition(), record.offset());
            return;
        }
        statusService.apply(report);
    }
}
