package io.rgrid.platform.outbox;

import java.util.concurrent.CompletionStage;

/**
 * Hands one outbox row to Kafka. The stage completes once the broker acknowledged the record
 * (acks=all) and fails when it did not. Rows are handed over in id order and must reach the
 * producer in that order: the idempotent producer then keeps it per partition (so per key).
 */
@FunctionalInterface
public interface OutboxSender {

    CompletionStage<Void> send(OutboxRow row);
}
