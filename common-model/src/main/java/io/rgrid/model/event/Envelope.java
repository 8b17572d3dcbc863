package io.rgrid.model.event;

import java.time.Instant;
import java.util.UUID;

/**
 * The wrapper every event travels in.
 *
 * @param eventId       unique per event; consumers use it (or the payload's own identity) to stay idempotent
 * @param type          the payload's {@link EventType} name
 * @param schemaVersion the payload's schema version
 * @param occurredAt    when the fact happened, by the producer's clock
 * @param payload       the fact itself
 */
public record Envelope<E extends Event>(UUID eventId, String type, int schemaVersion, Instant occurredAt, E payload) {

    public static <E extends Event> Envelope<E> of(E payload) {
        EventType type = EventType.of(payload);
        return new Envelope<>(UUID.randomUUID(), type.name(), type.schemaVersion(), Instant.now(), payload);
    }
}
