package io.rgrid.api.kafka;

import io.quarkus.arc.properties.IfBuildProperty;
import io.rgrid.platform.messaging.BatchConsumer;
import io.rgrid.platform.messaging.BatchWork;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer like the service's own (an {@code @Incoming} batch channel through {@link BatchConsumer})
 * whose work the test sets; only in {@link BatchConsumerDeadLetterTest}'s profile.
 */
@ApplicationScoped
@IfBuildProperty(name = "test.probe-consumer", stringValue = "true")
public class ProbeConsumer {

    static final String CHANNEL = "platform-probe";

    private final BatchConsumer consumer;
    private final AtomicInteger tries = new AtomicInteger();
    private volatile BatchWork work = events -> {
    };

    public ProbeConsumer(BatchConsumer consumer) {
        this.consumer = consumer;
    }

    /** What the next batches do (methods, not fields: the test holds a client proxy). */
    public void use(BatchWork next) {
        work = next;
    }

    /** Tries of the work so far, failed ones included. */
    public int tries() {
        return tries.get();
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        consumer.consume(CHANNEL, records, events -> {
            tries.incrementAndGet();
            work.apply(events);
        });
    }
}
