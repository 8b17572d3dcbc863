package io.rgrid.model.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rgrid.model.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Encodes envelopes to JSON bytes and back. Unknown fields are ignored; unknown types are skipped. */
public final class EventCodec {

    private static final ObjectMapper MAPPER = Json.mapper();

    private EventCodec() {
    }

    public static byte[] encode(Envelope<? extends Event> envelope) {
        try {
            return MAPPER.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + envelope.type(), e);
        }
    }

    /**
     * @return the envelope, or empty when its type is unknown to this version (written by a newer producer)
     * @throws MalformedEventException when the bytes are not an envelope of a known shape
     */
    public static Optional<Envelope<Event>> decode(byte[] bytes) {
        if (bytes == null) {
            throw new MalformedEventException("event has no value", null);
        }
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new MalformedEventException("event is not a JSON object", null);
            }
            EventType type = EventType.byName(root.path("type").asText(null));
            if (type == null) {
                return Optional.empty();
            }
            JsonNode payload = root.get("payload");
            if (payload == null || !payload.isObject()) {
                throw new MalformedEventException(type + " has no payload object", null);
            }
            Event event = MAPPER.treeToValue(payload, type.payloadClass());
            UUID eventId = MAPPER.treeToValue(root.get("eventId"), UUID.class);
            Instant occurredAt = MAPPER.treeToValue(root.get("occurredAt"), Instant.class);
            return Optional.of(new Envelope<>(eventId, type.name(), root.path("schemaVersion").asInt(1), occurredAt, event));
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedEventException("malformed event: " + e.getMessage(), e);
        }
    }
}
