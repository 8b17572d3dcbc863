package io.rgrid.platform.logging;

import io.rgrid.platform.messaging.ConsumerStoppedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StoppedConsumerLogFilterTest {

    private static final String PROVIDER = "io.smallrye.reactive.messaging.provider";
    private static final String CONNECTOR = "io.smallrye.reactive.messaging.kafka";
    private static final Throwable STOPPED = new ConsumerStoppedException("execution-status");

    static Stream<Arguments> records() {
        return Stream.of(
                // logger, message, thrown, parameter, loggable, why
                Arguments.of(PROVIDER, "SRMSG00200: The method threw", STOPPED, null, false, "the throw itself"),
                Arguments.of(PROVIDER, "SRMSG00201: Error caught", new IllegalStateException("wrapped", STOPPED), null, false,
                        "a wrapper around it"),
                Arguments.of(CONNECTOR, "SRMSG18203: nacked, fail-stop", null, STOPPED, false, "named as a parameter"),
                Arguments.of(CONNECTOR, "SRMSG18228: failure for topics: io.rgrid.platform.messaging.ConsumerStoppedException: x",
                        null, null, false, "named in the message"),
                Arguments.of(PROVIDER, "SRMSG00200: The method threw", new IllegalStateException("database gone"), null, true,
                        "a real failure of a consumer stays"),
                Arguments.of(CONNECTOR, "SRMSG18228: A failure has been reported for Kafka topics", null,
                        new RuntimeException("broker gone"), true, "another failure of the connector stays"),
                Arguments.of("io.rgrid.orchestrator.intake.EventConsumers", "stopping", STOPPED, null, true,
                        "RGrid's own loggers are never filtered"),
                Arguments.of(null, "no logger name", STOPPED, null, true, "a record without a logger name"),
                // STOPPED exists, so one was thrown in this JVM: the bare fail-stop report is about it.
                Arguments.of(CONNECTOR, "SRMSG18203: A message sent to channel `%s` has been nacked, fail-stop", null, null,
                        false, "the connector's bare fail-stop report once a consumer stopped"));
    }

    @ParameterizedTest(name = "{5}")
    @MethodSource("records")
    void dropsOnlySmallRyesReportsOfAStoppedConsumer(String logger, String message, Throwable thrown, Object parameter,
                                                     boolean loggable, String why) {
        LogRecord record = new LogRecord(Level.SEVERE, message);
        record.setLoggerName(logger);
        record.setThrown(thrown);
        if (parameter != null) {
            record.setParameters(new Object[] {"execution-status", parameter});
        }
        assertThat(new StoppedConsumerLogFilter().isLoggable(record)).as(why).isEqualTo(loggable);
    }
}
