package io.rgrid.api.logs;

import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.platform.messaging.BatchConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads {@link Topics#EXECUTION_LOGS} (channel {@value #CHANNEL}) into {@link LogHub}. Every
 * api-service instance needs every chunk (its followers may follow any execution), so this
 * consumer's group is its own ({@code rgrid-api-logs-<instance id>}): the only member, it gets all
 * partitions, and {@link LogReplay} starts each {@code rgrid.logs.replay-window} back. Nothing is
 * committed (commit strategy {@code ignore}): live logs are a view, the stored log in S3 is the record.
 */
@ApplicationScoped
public class LogConsumer {

    static final String CHANNEL = "execution-logs";

    private final BatchConsumer consumer;
    private final LogHub hub;

    public LogConsumer(BatchConsumer consumer, LogHub hub) {
        this.consumer = consumer;
        this.hub = hub;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        consumer.consume(CHANNEL, records, events -> events.forEach(this::handle));
    }

    void handle(Envelope<Event> envelope) {
        if (envelope.payload() instanceof ExecutionLogChunk chunk && chunk.executionId() != null) {
            hub.publish(chunk);
        }
    }
}
