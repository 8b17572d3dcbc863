package io.rgrid.orchestrator;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.autoscaling.Autoscaler;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.cost.CostResource;
import io.rgrid.orchestrator.lifecycle.Reconciler;
import io.rgrid.orchestrator.dispatch.Dispatcher;
import io.rgrid.orchestrator.dispatch.ray.RayDispatcher;
import io.rgrid.orchestrator.health.HealthMonitor;
import io.rgrid.orchestrator.intake.EventConsumers;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.LocalProcessProvider;
import io.rgrid.orchestrator.provider.WorkerLoginProvider;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.leader.LeaderLease;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts the orchestrator's moving parts in dependency order (topics, outbox relay, configured
 * workers, consumers, dispatcher, periodic autoscaler and health checks) and stops them in reverse.
 * Only the instance holding the leader lease ({@code leader.Leadership}) relays, dispatches and
 * runs the periodic work; an instance that takes the lease over reconciles and re-sends the
 * assignments in flight first, as a starting leader does.
 */
@ApplicationScoped
public class OrchestratorLifecycle {

    private static final Logger LOG = Logger.getLogger(OrchestratorLifecycle.class);

    @Inject
    RgridConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    Transactions database;

    @Inject
    OutboxRelay relay;

    @Inject
    TopicCreator topics;

    @Inject
    OutboxWriter outbox;

    @Inject
    CloudProvider provider;

    @Inject
    WorkerLifecycle workerLifecycle;

    @Inject
    WorkerRepository workers;

    @Inject
    EventConsumers consumers;

    @Inject
    Dispatcher dispatcher;

    @Inject
    RayDispatcher rayDispatcher;

    @Inject
    Autoscaler autoscaler;

    @Inject
    HealthMonitor health;

    @Inject
    Reconciler reconciler;

    @Inject
    CostResource cost;

    @Inject
    LeaderLease lease;

    private ScheduledExecutorService periodic;
    /** Autoscaler, reconciliation and cost on one thread: they never see each other half-way. */
    private ScheduledExecutorService lifecycleThread;

    void onStart(@Observes StartupEvent event) {
        LOG.infof("orchestrator starting: provider %s, Kafka %s, topic prefix '%s'", provider.name(),
                config.kafka().bootstrapServers(), config.kafka().topicPrefix().orElse(""));
        if (WorkerLoginProvider.unwrap(provider) instanceof LocalProcessProvider local && local.missingJarMessage() != null) {
            LOG.warn(local.missingJarMessage());
        }
        // RAY_ENABLED=true: connect the Ray driver first, so an unreachable head fails the start at once.
        rayDispatcher.connect();
        topics.tryEnsureTopics();
        relay.start(lease::isLeader);
        registerConfiguredWorkers();

        // The connector polls already; its batches are applied from here on (EventConsumers).
        consumers.open();

        if (firstLeaseRound()) {
            takeOver();
        }
        dispatcher.start();
        periodic = Executors.newScheduledThreadPool(1, runnable -> {
            Thread thread = new Thread(runnable, "orchestrator-health");
            thread.setDaemon(true);
            return thread;
        });
        lifecycleThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "orchestrator-lifecycle");
            thread.setDaemon(true);
            return thread;
        });
        long scaleEvery = config.orchestrator().scaling().interval().toMillis();
        long checkEvery = config.orchestrator().health().checkInterval().toMillis();
        long reconcileEvery = config.orchestrator().lifecycle().reconcileInterval().toMillis();
        long costEvery = config.orchestrator().lifecycle().costInterval().toMillis();
        lifecycleThread.scheduleWithFixedDelay(leaderOnly("autoscaler", autoscaler::tick), scaleEvery, scaleEvery,
                TimeUnit.MILLISECONDS);
        lifecycleThread.scheduleWithFixedDelay(leaderOnly("reconciliation", reconciler::reconcile), reconcileEvery,
                reconcileEvery, TimeUnit.MILLISECONDS);
        lifecycleThread.scheduleWithFixedDelay(leaderOnly("cost report", cost::publish), costEvery, costEvery,
                TimeUnit.MILLISECONDS);
        periodic.scheduleWithFixedDelay(leaderOnly("health monitor", health::check), checkEvery, checkEvery,
                TimeUnit.MILLISECONDS);
        // A later take-over (the leader died or stopped) does the start's leader work on the lifecycle thread.
        lease.onElected(term -> lifecycleThread.execute(guarded("take-over", this::takeOver)));
        lease.start();
    }

    /** @return true when this instance leads after one lease round (false when the database failed it) */
    private boolean firstLeaseRound() {
        try {
            return lease.round().leads();
        } catch (RuntimeException e) {
            LOG.warnf("first leader lease round failed (%s); standing by", e.getMessage());
            return false;
        }
    }

    /**
     * What a new leader does first: the provider learns the servers the previous leader left
     * (for {@code local}: the agents it started while this instance stood by), those are kept or
     * deleted, and workers whose server is gone are forgotten, before any assignment is re-sent.
     */
    private void takeOver() {
        guarded("provider take-over", provider::takeOver).run();
        guarded("reconciliation", reconciler::reconcile).run();
        dispatcher.resendAssigned();
        dispatcher.wake();
        outbox.flushSoon();
    }

    void onStop(@Observes ShutdownEvent event) {
        for (ScheduledExecutorService executor : new ScheduledExecutorService[] {lifecycleThread, periodic}) {
            if (executor == null) {
                continue;
            }
            executor.shutdownNow();
            try {
                // A provisioning in flight finishes (or fails) before the provider is closed.
                executor.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatcher.stop();
        consumers.close();
        if (anotherInstanceLeads()) {
            // A standby's local provider knows the leader's agents: they run on, the leader's to stop.
            provider.closeKeepingWorkers();
        } else {
            stopOwnWorkers();
            provider.close();
        }
        relay.stop();
        lease.stop();
    }

    /**
     * Whether the last lease round saw another instance holding the lease. Not merely "this one
     * does not lead": a lone orchestrator whose lease lapsed (the database was away) still owns
     * its workers when it stops.
     */
    private boolean anotherInstanceLeads() {
        String seen = lease.leader();
        return seen != null && !seen.isEmpty() && !seen.equals(lease.holderId());
    }

    /**
     * Local agents die with the orchestrator: record them LOST (requeueing their work) and stop
     * them, rather than leave records that look alive until the heartbeat timeout. Also what tests
     * call in their teardown.
     */
    public void stopOwnWorkers() {
        if (!provider.workersEndWithOrchestrator()) {
            return;
        }
        for (var server : provider.list()) {
            try {
                health.loseAndTerminate(server.workerId(), "orchestrator_stopped",
                        "the orchestrator that started it stopped");
            } catch (RuntimeException e) {
                LOG.warnf("could not record worker %s as lost: %s", server.workerId(), e.getMessage());
                provider.terminate(server.workerId());
            }
        }
    }

    private void registerConfiguredWorkers() {
        List<CloudProvider.ConfiguredWorker> configured = provider.configuredWorkers();
        if (configured.isEmpty()) {
            return;
        }
        database.inTransaction(c -> {
            for (CloudProvider.ConfiguredWorker worker : configured) {
                // PROVISIONING until its first heartbeat proves it is up; the token is refreshed from config.
                boolean added = workerLifecycle.recordNew(c, new WorkerRecord(worker.workerId(), provider.name(),
                        worker.workerId(), "static", 0.0, worker.address(), worker.token(), WorkerState.PROVISIONING,
                        "configured", 0, 0, 0, 0, 0, null, null, Instant.now(), null, null));
                if (!added) {
                    workers.updateEndpoint(c, worker.workerId(), worker.address(), worker.token());
                }
            }
            return null;
        });
        outbox.flushSoon();
        LOG.infof("registered %d static agents", configured.size());
    }

    /** The task, guarded, run only while this instance holds the leader lease. */
    private Runnable leaderOnly(String name, Runnable task) {
        Runnable guardedTask = guarded(name, task);
        return () -> {
            if (lease.isLeader()) {
                guardedTask.run();
            }
        };
    }

    private static Runnable guarded(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s tick failed", name);
            }
        };
    }
}
