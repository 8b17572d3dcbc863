package io.rgrid.platform.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * The one dead-letter destination of every consumer: the topic {@code rgrid.dead-letters.v1}
 * ({@code Topics.DEAD_LETTERS}, with the deployment's topic prefix; docs/decisions.md says why a
 * topic). A dead letter keeps the
 * record's key and bytes and tells in its headers why and where it came from; each one is counted
 * in {@code rgrid_dead_letters_total{channel}} and logged as an ERROR.
 */
@ApplicationScoped
public class DeadLetters {

    /** The outgoing channel (configured in this module's microprofile-config.properties). */
    public static final String CHANNEL = "rgrid-dead-letters";
    /** Header names, the same as SmallRye's own dead-letter queue uses. */
    public static final String REASON = "dead-letter-reason";
    public static final String CAUSE = "dead-letter-cause";
    public static final String SOURCE_TOPIC = "dead-letter-topic";
    public static final String SOURCE_PARTITION = "dead-letter-partition";
    public static final String SOURCE_OFFSET = "dead-letter-offset";
    public static final String SOURCE_CHANNEL = "dead-letter-channel";

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry registry;

    public DeadLetters(@Channel(CHANNEL) MutinyEmitter<byte[]> emitter, MeterRegistry registry) {
        this.emitter = emitter;
        this.registry = registry;
    }

    /** Sends the record and waits for the broker's acknowledgement; throws when it could not be sent. */
    public void send(String channel, ConsumerRecord<String, byte[]> record, Throwable error) {
        RecordHeaders headers = new RecordHeaders();
        header(headers, REASON, String.valueOf(error.getMessage()));
        header(headers, CAUSE, error.getClass().getName());
        header(headers, SOURCE_TOPIC, record.topic());
        header(headers, SOURCE_PARTITION, Integer.toString(record.partition()));
        header(headers, SOURCE_OFFSET, Long.toString(record.offset()));
        header(headers, SOURCE_CHANNEL, channel);
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build();
        emitter.sendMessageAndAwait(Message.of(record.value()).addMetadata(metadata));
        registry.counter("rgrid.dead.letters", "channel", channel).increment();
        LOG.errorf("dead-lettered the record at %s-%d offset %d of channel %s: %s", record.topic(), record.partition(),
                record.offset(), channel, error.getMessage());
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
