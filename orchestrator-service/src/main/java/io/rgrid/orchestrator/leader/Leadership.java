package io.rgrid.orchestrator.leader;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.leader.LeaderConfig;
import io.rgrid.platform.leader.LeaderLease;
import io.rgrid.platform.leader.LeaseTable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.UUID;

/**
 * The orchestrator's leader lease (service-platform's {@link LeaderLease} on
 * {@code orchestrator.leader_lease}, row {@value #LEASE}): only the instance holding it
 * dispatches, autoscales, checks health, reconciles, reports cost and relays the outbox; the
 * others consume and apply events like the leader and stand by. {@code OrchestratorLifecycle}
 * starts and stops it. Gauges: {@code rgrid_leader{holder}} 1 while this instance leads,
 * {@code rgrid_leader_term{holder}} the lease's term as this instance last saw it.
 */
@ApplicationScoped
public class Leadership {

    public static final LeaseTable TABLE = new LeaseTable("orchestrator.leader_lease");
    public static final String LEASE = "orchestrator";

    /**
     * @param instanceId this instance's stable id; a random suffix makes the holder new at every
     *                   start, so a restarted instance takes the lease for a new term (and redoes
     *                   the take-over work) rather than renewing its former self's
     */
    @Produces
    @Singleton
    LeaderLease lease(Transactions tx, LeaderConfig config, MeterRegistry registry,
                      @ConfigProperty(name = "rgrid.messaging.instance-id") String instanceId) {
        LeaderLease lease = new LeaderLease(tx, TABLE, LEASE, config.settings(),
                instanceId + "/" + UUID.randomUUID().toString().substring(0, 8));
        Gauge.builder("rgrid.leader", lease, l -> l.isLeader() ? 1 : 0)
                .description("1 while this orchestrator instance holds the leader lease")
                .tag("holder", lease.holderId())
                .register(registry);
        Gauge.builder("rgrid.leader.term", lease, LeaderLease::term)
                .description("the leader lease's term as this instance last saw it (grows with every take-over)")
                .tag("holder", lease.holderId())
                .register(registry);
        return lease;
    }
}
