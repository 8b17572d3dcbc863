package io.rgrid.orchestrator.outbox;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.EventType;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.platform.outbox.OutboxRelay;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

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

    /** For CDI. */
    public OutboxWriter() {
    }

    /** For tests that run without the container (no relay to wake). */
    public OutboxWriter(KafkaClients kafka) {
        this.kafka = kafka;
    }

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

    /**
     * {@link #append} for several events in one batch (one round trip; the driver rewrites it
     * into a multi-row insert). Rows get ids in list order.
     */
    public void appendAll(Connection connection, List<? extends Event> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO outbox (topic, key, payload) VALUES (?, ?, ?)")) {
            for (Event event : events) {
                insert.setString(1, kafka.topic(EventType.of(event).topic()));
                insert.setString(2, event.key());
                insert.setString(3, new String(EventCodec.encode(Envelope.of(event)), StandardCharsets.UTF_8));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** True while an event with this key waits in the outbox, not yet published. */
    public boolean unpublished(Connection connection, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM outbox WHERE published_at IS NULL AND key = ? LIMIT 1")) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Tells the relay there is something to publish; call after the transaction committed. */
    public void flushSoon() {
        if (relay != null) {
            relay.wake();
        }
    }
}
