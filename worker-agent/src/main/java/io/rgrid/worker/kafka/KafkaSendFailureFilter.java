package io.rgrid.worker.kafka;

import io.quarkus.logging.LoggingFilter;

import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops the Kafka connector's two ERROR lines, each with a stack trace, for every message it could
 * not send: {@code SRMSG18206 Unable to write to Kafka from channel …} and {@code SRMSG18212 Message
 * … was not sent to Kafka topic … - nacking message}. While Kafka is away that is two per
 * heartbeat, log chunk and status try (48 lines and 440 lines of stack traces in a 42 s outage,
 * KafkaOutageIT). The failure reaches {@link EventPublisher} as the message's nack, which logs it
 * once per outage ({@link KafkaOutage}) with its cause and counts dropped messages. Set on the
 * console handler ({@code quarkus.log.console.filter}); every other line passes.
 */
@LoggingFilter(name = KafkaSendFailureFilter.NAME)
public final class KafkaSendFailureFilter implements Filter {

    public static final String NAME = "rgrid-kafka-send-failures";
    /** The connector's message ids of a failed write and of the nack that follows it (KafkaLogging). */
    static final List<String> PER_MESSAGE = List.of("SRMSG18206", "SRMSG18212");

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        return message == null || PER_MESSAGE.stream().noneMatch(message::startsWith);
    }
}
