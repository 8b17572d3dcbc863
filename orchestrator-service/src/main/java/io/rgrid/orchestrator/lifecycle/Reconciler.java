package io.rgrid.orchestrator.lifecycle;

import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.health.HealthMonitor;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.orchestrator.metrics.ClusterStats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Keeps the provider and the registry in agreement (every
 * {@code rgrid.orchestrator.lifecycle.reconcile-interval}, and once at start):
 * <ul>
 *   <li>A server the provider runs for this grid that the registry does not know as live
 *       (unknown, LOST or DELETED) is deleted: nobody would give it work, but it costs. A LOST
 *       worker's attempts, which waited for its deletion, are then taken back.</li>
 *   <li>A worker the registry has as live (PROVISIONING, READY, DRAINING) and the provider
 *       confirmed (it has a provider handle) whose server the provider no longer lists is forgotten: LOST, its executions
 *       taken back (requeued with attempt + 1, or LOST), then DELETED. A local agent killed with
 *       -9 is noticed here within one interval instead of after the heartbeat timeout.</li>
 *   <li>A LOST worker whose server the provider no longer lists was deleted without the deletion
 *       being recorded (the health monitor's transaction failed after the delete: PostgreSQL
 *       restarting, found by the chaos suite): it is recorded now, DELETED, and its attempts,
 *       which waited for the deletion, are taken back. Without this they stayed RUNNING for good.
 *       Not while the provider says the deletion still runs ({@link CloudProvider#deletionRunning}:
 *       a leader killed while it awaited a Hetzner delete action): the machine may still run them.</li>
 *   <li>A PROVISIONING worker whose server exists but whose boot this process neither runs nor
 *       ran (an orchestrator, the leader before this one, died mid-boot) has its boot resumed
 *       ({@link CloudProvider#resumeBoot}): its server is bootstrapped now instead of waiting,
 *       paid for, until the boot timeout.</li>
 * </ul>
 * Runs on the autoscaler's thread, so it never sees a worker half-way through a provisioning
 * or a termination the autoscaler is doing. Only the scalable providers are reconciled (a static
 * list is configuration, not servers).
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final Set<WorkerState> LIVE = EnumSet.of(WorkerState.PROVISIONING, WorkerState.READY,
            WorkerState.DRAINING);

    @Inject
    Transactions database;

    @Inject
    WorkerRepository workers;

    @Inject
    CloudProvider provider;

    @Inject
    HealthMonitor health;

    @Inject
    ClusterStats stats;

    public void reconcile() {
        if (!provider.scalable()) {
            return;
        }
        Map<String, ProvisionedServer> servers = provider.list().stream()
                .collect(Collectors.toMap(ProvisionedServer::workerId, Function.identity(), (a, b) -> a));
        List<WorkerRecord> known = database.inTransaction(c -> workers.all(c)).stream()
                .filter(w -> provider.name().equals(w.provider()))
                .toList();
        Map<String, WorkerRecord> byId = known.stream()
                .collect(Collectors.toMap(WorkerRecord::id, Function.identity()));

        for (ProvisionedServer server : servers.values()) {
            WorkerRecord worker = byId.get(server.workerId());
            if (worker == null || !LIVE.contains(worker.state())) {
                LOG.warnf("deleting server of worker %s (%s): the registry %s", server.workerId(), server.handle(),
                        worker == null ? "does not know it" : "has it " + worker.state());
                try {
                    Optional<Instant> billedUntil = provider.terminate(server.workerId());
                    stats.orphanDeleted();
                    if (worker != null && worker.state() == WorkerState.LOST) {
                        // Its attempts waited for this (a lost worker's work moves only once it is stopped).
                        health.deleted(worker.id(), billedUntil, "deleted by reconciliation");
                    }
                } catch (RuntimeException e) {
                    LOG.errorf(e, "could not delete server of worker %s", server.workerId());
                }
            }
        }
        for (WorkerRecord worker : known) {
            if (!LIVE.contains(worker.state()) || servers.containsKey(worker.id())) {
                continue;
            }
            if (worker.providerHandle() == null) {
                // The provider never confirmed it (recorded, then a crash before or during the
                // provider call): the boot timeout and the heartbeat timeout deal with it.
                continue;
            }
            health.loseAndTerminate(worker.id(), "vanished", "its server is gone from the provider");
            stats.vanished();
        }
        for (WorkerRecord worker : known) {
            // Not while the health monitor deletes it: then the server is gone from the list before
            // its leftovers are stopped (AgentPauseTest: attempt 2 started beside a frozen attempt 1).
            if (worker.state() == WorkerState.LOST && !servers.containsKey(worker.id())
                    && !health.deleting(worker.id()) && !deletionRunning(worker)) {
                LOG.warnf("worker %s is LOST and its server is gone, but its deletion was not recorded; "
                        + "recording it and taking back its attempts", worker.id());
                health.deleted(worker.id(), Optional.empty(), "deleted by reconciliation (its server was gone)");
            }
        }
        for (WorkerRecord worker : known) {
            if (worker.state() != WorkerState.PROVISIONING || worker.providerHandle() == null
                    || !servers.containsKey(worker.id()) || provider.bootsHere(worker.id())) {
                continue;
            }
            LOG.warnf("worker %s: its server %s exists but no boot of it runs here (the orchestrator that began it "
                    + "stopped); resuming the boot", worker.id(), worker.providerHandle());
            try {
                if (provider.resumeBoot(new CloudProvider.ProvisionRequest(worker.id(), worker.token()),
                        worker.address())) {
                    stats.bootResumed();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not resume the boot of worker %s; tried again at the next reconciliation",
                        worker.id());
            }
        }
    }

    /**
     * Whether the LOST worker's server is still being deleted though no longer listed (a leader
     * killed while it awaited the delete): its attempts wait for the deletion's end, at a later
     * round. When the provider cannot tell (its API failing), it is treated as still running: the
     * next round asks again, and an attempt moved too early could run beside the old one.
     */
    private boolean deletionRunning(WorkerRecord worker) {
        try {
            if (!provider.deletionRunning(worker.id(), worker.providerHandle())) {
                return false;
            }
            LOG.infof("worker %s is LOST and the deletion of its server %s still runs (begun by an orchestrator that "
                    + "stopped); its attempts move once it ends", worker.id(), worker.providerHandle());
        } catch (RuntimeException e) {
            LOG.warnf("worker %s: cannot tell whether its server's deletion still runs (%s); asking again at the next "
                    + "reconciliation", worker.id(), e.getMessage());
        }
        return true;
    }
}
