package io.rgrid.orchestrator.outbox;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.EventType;
import io.rgrid.orchestrator.kafka.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Records an event in the outbox inside the caller's transaction: the event is published if and
 * only if the state change it reports commits. Callers wake the relay after their commit.
 */
@ApplicationScoped
public class OutboxWriter {

    @Inject
    KafkaClients kafka;

    @Inject
    OutboxRelay relay;

    /** Appends {@code event} to the outbox on the topic its {@link EventType} travels on. */
    public void append(Connection connection, Event event) throws SQLException {
        Envelope<Event> envelope = Envelope.of(event);
        String topic = kafka.topic(EventType.of(event).topic());
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO outbox (topic, key, payload) VALUES (?, ?, ?)")) {
            insert.setString(1, topic);
            insert.setString(2, event.key());
            insert.setString(3, new String(EventCodec.encode(envelope), StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
    }

    /** Tells the relay there is something to publish; call after the transaction committed. */
    public void flushSoon() {
        relay.wake();
    }
}
