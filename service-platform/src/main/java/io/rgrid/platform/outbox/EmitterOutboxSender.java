package io.rgrid.platform.outbox;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.concurrent.CompletionStage;

/**
 * The relay's way to Kafka: the {@code rgrid-outbox} channel of SmallRye Reactive Messaging
 * (settings in this module's {@code META-INF/microprofile-config.properties}). Each record goes to
 * the topic stored with its row, keyed as stored, through the channel's one idempotent producer.
 * The buffer holds a whole pass ({@code rgrid.outbox.batch-size} at most 1024).
 */
@ApplicationScoped
public class EmitterOutboxSender implements OutboxSender {

    /** The channel's name, for its settings. */
    public static final String CHANNEL = "rgrid-outbox";

    private final MutinyEmitter<byte[]> emitter;

    public EmitterOutboxSender(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = OutboxSettings.MAX_BATCH)
                               MutinyEmitter<byte[]> emitter) {
        this.emitter = emitter;
    }

    @Override
    public CompletionStage<Void> send(OutboxRow row) {
        Message<byte[]> message = Message.of(row.payload()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic()).withKey(row.key()).build());
        return emitter.sendMessage(message).subscribeAsCompletionStage();
    }
}
