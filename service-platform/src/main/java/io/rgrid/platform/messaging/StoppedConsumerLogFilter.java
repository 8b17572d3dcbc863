package io.rgrid.platform.messaging;

import io.quarkus.logging.LoggingFilter;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Keeps a normal shutdown out of the error log. When a service stops while a batch waits,
 * {@link BatchConsumer} throws {@link ConsumerStoppedException} so the batch stays unacknowledged
 * (read again after the restart): what the design wants. SmallRye reports that throw three times
 * at ERROR and WARN with stack traces (the method threw, the message was nacked, the channel
 * failed), so every restart looked like a crash in the journal. This filter drops exactly those
 * records: SmallRye's own loggers, with a {@code ConsumerStoppedException} in the thrown chain or
 * named in the message. {@link BatchConsumer} logs the stop itself, once per channel, at INFO.
 * Linked to the console handler by {@code quarkus.log.console.filter} (service-platform's
 * microprofile-config.properties).
 */
@LoggingFilter(name = StoppedConsumerLogFilter.NAME)
public final class StoppedConsumerLogFilter implements Filter {

    public static final String NAME = "rgrid-stopped-consumer";

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
