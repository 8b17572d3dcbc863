package io.rgrid.orchestrator.intake;

import io.quarkus.runtime.ShutdownEvent;
import io.rgrid.model.Topics;
import io.rgrid.orchestrator.dispatch.Dispatcher;
import io.rgrid.orchestrator.queue.ExecutionStatusHandler;
import io.rgrid.orchestrator.registry.HeartbeatHandler;
import io.rgrid.platform.messaging.BatchConsumer;
import io.rgrid.platform.messaging.BatchWork;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.concurrent.CountDownLatch;

/**
 * The orchestrator's three consumers, one channel each, every one through {@link BatchConsumer}:
 * {@link Topics#EXECUTIONS} (submissions, cancellations), {@link Topics#WORKER_HEARTBEATS} and
 * {@link Topics#EXECUTION_STATUS} (worker reports, the whole poll in one transaction). After a
 * batch is applied the dispatcher is woken, before the offsets are committed (the commit only
 * decides what a restart reads again).
 *
 * <p>The connector starts polling before {@code OrchestratorLifecycle} has created the topics,
 * registered the configured workers and connected Ray; the first batch waits until
 * {@link #open()} says the orchestrator is ready for events (records wait in the connector's
 * bounded queue meanwhile); {@link #close()} ends that again at shutdown.
 */
@ApplicationScoped
public class EventConsumers {

    static final String EXECUTIONS = "executions";
    static final String HEARTBEATS = "worker-heartbeats";
    static final String STATUS = "execution-status";

    private final BatchConsumer consumer;
    private final Dispatcher dispatcher;
    private final BatchWork commands;
    private final BatchWork heartbeats;
    private final BatchWork statuses;
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile boolean ready;

    public EventConsumers(BatchConsumer consumer, Dispatcher dispatcher, ExecutionCommandHandler commands,
                          HeartbeatHandler heartbeats, ExecutionStatusHandler statuses) {
        this.consumer = consumer;
        this.dispatcher = dispatcher;
        this.commands = events -> events.forEach(commands::handle);
        this.heartbeats = events -> events.forEach(heartbeats::handle);
        this.statuses = statuses::handleAll;
    }

    /** Lets the consumers apply events: called by {@code OrchestratorLifecycle} once the orchestrator is ready. */
    public void open() {
        ready = true;
        opened.countDown();
    }

    /**
     * Applies no further batch (they stay uncommitted, read again after the restart): called by
     * {@code OrchestratorLifecycle} at shutdown, before it records its local workers LOST.
     */
    public void close() {
        ready = false;
        opened.countDown();
    }

    void onStop(@Observes ShutdownEvent event) {
        opened.countDown();
    }

    @Incoming(EXECUTIONS)
    @Blocking
    public void executions(ConsumerRecords<String, byte[]> records) {
        consume(EXECUTIONS, records, commands);
    }

    @Incoming(HEARTBEATS)
    @Blocking
    public void heartbeats(ConsumerRecords<String, byte[]> records) {
        consume(HEARTBEATS, records, heartbeats);
    }

    @Incoming(STATUS)
    @Blocking
    public void statuses(ConsumerRecords<String, byte[]> records) {
        consume(STATUS, records, statuses);
    }

    private void consume(String channel, ConsumerRecords<String, byte[]> records, BatchWork work) {
        awaitOpen(channel);
        consumer.consume(channel, records, events -> {
            work.apply(events);
            dispatcher.wake();
        });
    }

    private void awaitOpen(String channel) {
        try {
            opened.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!ready) {
            throw BatchConsumer.stopped(channel);
        }
    }
}
