package io.rgrid.platform.logging;

import io.quarkus.logging.LoggingFilter;
import io.rgrid.platform.messaging.BatchConsumer;
import io.rgrid.platform.messaging.ConsumerStoppedException;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Keeps a normal shutdown out of the error log. When a service stops while a batch waits,
 * {@link BatchConsumer} throws {@link ConsumerStoppedException} so the batch stays unacknowledged
 * (read again after the restart): what the design wants. SmallRye reports that throw three times
 * at ERROR and WARN with stack traces (the method threw, the message was nacked, the channel
 * failed), so every restart looked like a crash in the journal. This filter drops exactly those
 * records: SmallRye's own loggers, with a {@code ConsumerStoppedException} in the thrown chain or
 * named in the message, and the connector's fail-stop report once one was thrown (the consumers
 * never nack otherwise: failure strategy {@code fail}). {@link BatchConsumer} logs the stop
 * itself, once per channel, at INFO.
 * Linked to the console handler by {@code quarkus.log.console.filter} (service-platform's
 * microprofile-config.properties). Outside {@code .messaging} on purpose: the worker-agent keeps that
 * package out of its beans, and Quarkus creates a filter as a bean, so the agent (which inherits the
 * console setting) could not start with the filter there.
 */
@LoggingFilter(name = StoppedConsumerLogFilter.NAME)
public final class StoppedConsumerLogFilter implements Filter {

    public static final String NAME = "rgrid-stopped-consumer";
    /** SmallRye Kafka's message id for "a message sent to channel … has been nacked, fail-stop". */
    static final String FAIL_STOP = "SRMSG18203";

    @Override
    public boolean isLoggable(LogRecord record) {
        return !(fromSmallRye(record.getLoggerName()) && aboutAStoppedConsumer(record));
    }

    static boolean fromSmallRye(String logger) {
        return logger != null && logger.startsWith("io.smallrye.reactive.messaging");
    }

    private static boolean aboutAStoppedConsumer(LogRecord record) {
        for (Throwable t = record.getThrown(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConsumerStoppedException) {
                return true;
            }
        }
        String message = record.getMessage();
        if (message != null && message.contains(ConsumerStoppedException.class.getSimpleName())) {
            return true;
        }
        // The connector's "nacked, fail-stop" report carries neither the exception nor its name.
        if (message != null && message.contains(FAIL_STOP) && ConsumerStoppedException.anyThrown()) {
            return true;
        }
        Object[] parameters = record.getParameters();
        if (parameters != null) {
            for (Object parameter : parameters) {
                if (parameter instanceof ConsumerStoppedException
                        || (parameter != null && String.valueOf(parameter).contains(ConsumerStoppedException.class.getSimpleName()))) {
                    return true;
                }
            }
        }
        return false;
    }
}
