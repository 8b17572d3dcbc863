package io.rgrid.platform.outbox;

import io.rgrid.model.signing.RecordSignatures;
import io.rgrid.platform.signing.ControlPlaneKey;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * The relay's way to Kafka: the {@code rgrid-outbox} channel of SmallRye Reactive Messaging
 * (settings in this module's {@code META-INF/microprofile-config.properties}). Each record goes to
 * the topic stored with its row, keyed as stored, through the channel's one idempotent producer.
 * The buffer holds a whole pass ({@code rgrid.outbox.batch-size} at most 1024). Every record is
 * signed by the control plane ({@link ControlPlaneKey}: headers {@code rgrid-signer: control-plane}
 * and {@code rgrid-signature}), so consumers can tell it from one a worker or a stranger wrote.
 */
@ApplicationScoped
public class EmitterOutboxSender implements OutboxSender {

    /** The channel's name, for its settings. */
    public static final String CHANNEL = "rgrid-outbox";

    private final MutinyEmitter<byte[]> emitter;
    private final ControlPlaneKey key;

    public EmitterOutboxSender(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = OutboxSettings.MAX_BATCH)
                               MutinyEmitter<byte[]> emitter, ControlPlaneKey key) {
        this.emitter = emitter;
        this.key = key;
    }

    @Override
    public CompletionStage<Void> send(OutboxRow row) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordSignatures.SIGNER_HEADER, RecordSignatures.CONTROL_PLANE.getBytes(StandardCharsets.UTF_8));
        headers.add(RecordSignatures.SIGNATURE_HEADER,
                key.sign(row.key(), row.payload()).getBytes(StandardCharsets.UTF_8));
        Message<byte[]> message = Message.of(row.payload()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic()).withKey(row.key()).withHeaders(headers).build());
        return emitter.sendMessage(message).subscribeAsCompletionStage();
    }
}
