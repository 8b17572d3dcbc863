package io.rgrid.platform.outbox;

/** An event as stored in an outbox: where it goes, its record key and its encoded envelope. */
public record OutboxRow(long id, String topic, String key, byte[] payload) {
}
