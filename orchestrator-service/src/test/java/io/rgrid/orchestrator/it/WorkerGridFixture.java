package io.rgrid.orchestrator.it;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.Requirements;

import java.util.Optional;
import javax.sql.DataSource;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The setup, waits and checks shared by the {@code @QuarkusTest}s whose executions run on
 * worker-agents the running orchestrator starts itself ({@code OrchestratorFlowTest},
 * {@code ScalingLifecycleTest}, {@code HetznerFullLoopTest}).
 * <p>
 * {@link #connect} ends what earlier classes left in the shared database and opens the
 * {@link GridEvents} the test plays api-service with; {@link #close} first stops the workers the
 * class caused (the way the test says: the orchestrator's own agents, or the provider's servers),
 * then closes the events. In between: the queries and waits on executions' statuses and workers'
 * lifecycle events the tests repeat, and the worker-agent jar check.
 */
final class WorkerGridFixture implements AutoCloseable {

    /** How long an idle worker may take to be drained and deleted (its billing window comes round). */
    static final Duration IDLE_DELETION = Duration.ofSeconds(90);

    /** How the test class stops the workers it caused, before the events are closed. */
    @FunctionalInterface
    interface StopWorkers {
        void stop() throws Exception;
    }

    private final RgridConfig config;
    private final GridEvents events;
    private final StopWorkers stopWorkers;

    private WorkerGridFixture(RgridConfig config, GridEvents events, StopWorkers stopWorkers) {
        this.config = config;
        this.events = events;
        this.stopWorkers = stopWorkers;
    }

    /** Ends the leftovers of earlier classes and runs, then starts listening to the grid's events. */
    static WorkerGridFixture connect(RgridConfig config, DataSource dataSource, StopWorkers stopWorkers)
            throws Exception {
        GridEvents.endLeftovers(dataSource);
        return new WorkerGridFixture(config, new GridEvents(config), stopWorkers);
    }

    /** The grid's topics and the script store, as api-service uses them. */
    GridEvents events() {
        return events;
    }

    /**
     * Aborts the test, loudly, when the worker-agent jar the local provider starts is not built;
     * under CI ({@code CI=true}) that is a failure instead.
     */
    void requireAgentJar() {
        var jar = config.orchestrator().local().agentJar();
        if (!Files.isRegularFile(jar)) {
            Requirements.require("the worker-agent jar", Optional.of(jar + "; build worker-agent first"));
        }
    }

    /** The first status of execution {@code id} that {@code which} accepts, waited for up to {@code atMost}. */
    ExecutionStatusChanged awaitStatus(UUID id, Predicate<ExecutionStatusChanged> which, Duration atMost) {
        return await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                .until(() -> events.statuses(id).stream().filter(which).findFirst().orElse(null),
                        Objects::nonNull);
    }

    /** The workers that went into {@code state} at or after {@code since}, in the order seen. */
    Set<String> workersThat(WorkerState state, Instant since) {
        Set<String> out = new LinkedHashSet<>();
        for (Envelope<Event> e : events.lifecycleEnvelopes()) {
            WorkerLifecycleChanged changed = (WorkerLifecycleChanged) e.payload();
            if (changed.state() == state && !e.occurredAt().isBefore(since)) {
                out.add(changed.workerId());
            }
        }
        return out;
    }

    /** Waits up to {@link #IDLE_DELETION} until every one of {@code workerIds} was DELETED at or after {@code since}. */
    void awaitDeleted(Collection<String> workerIds, Instant since) {
        await().atMost(IDLE_DELETION).pollInterval(Duration.ofMillis(500))
                .until(() -> workersThat(WorkerState.DELETED, since).containsAll(workerIds));
    }

    /** One worker's lifecycle events, in the order seen, with their envelopes (for occurredAt). */
    List<Envelope<Event>> lifecycleEnvelopes(String workerId) {
        return events.lifecycleEnvelopes().stream()
                .filter(e -> ((WorkerLifecycleChanged) e.payload()).workerId().equals(workerId)).toList();
    }

    /**
     * Asserts that the worker went PROVISIONING, READY, DRAINING, DELETED (in that order, others
     * between allowed) and never LOST; returns its lifecycle events.
     */
    List<Envelope<Event>> assertDrainedBeforeDeletedNeverLost(String workerId) {
        List<Envelope<Event>> lifecycle = lifecycleEnvelopes(workerId);
        assertThat(lifecycle).extracting(e -> ((WorkerLifecycleChanged) e.payload()).state())
                .as("%s: drain before delete, never lost", workerId)
                .containsSubsequence(WorkerState.PROVISIONING, WorkerState.READY, WorkerState.DRAINING,
                        WorkerState.DELETED)
                .doesNotContain(WorkerState.LOST);
        return lifecycle;
    }

    /** Stops the workers the class caused, then the events' listener and producer. */
    @Override
    public void close() throws Exception {
        stopWorkers.stop();
        events.close();
    }
}
