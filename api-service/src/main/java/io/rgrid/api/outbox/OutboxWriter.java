package io.rgrid.api.outbox;

import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.EventType;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;

/** Appends an event to the outbox inside the caller's transaction. */
@Singleton
public class OutboxWriter {

    private final OutboxRepository repository;
    private final KafkaClients kafka;

    public OutboxWriter(OutboxRepository repository, KafkaClients kafka) {
        this.repository = repository;
        this.kafka = kafka;
    }

    /** @return the envelope as it will be published */
    public <E extends Event> Envelope<E> append(Connection connection, E event) throws SQLException {
        Envelope<E> envelope = Envelope.of(event);
        EventType type = EventType.of(event);
        repository.insert(connection, kafka.topic(type.topic()), event.key(), type.name(), EventCodec.encode(envelope));
        return envelope;
    }
}
