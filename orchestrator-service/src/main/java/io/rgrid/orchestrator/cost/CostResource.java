package io.rgrid.orchestrator.cost;

import io.rgrid.model.event.CostSnapshot;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.scaling.CostCalculator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/**
 * {@code GET /v1/cost}: spend per worker and in total (started billing periods × hourly price,
 * see {@link CostCalculator}). Like {@code /v1/workers}, for the private network: api-service
 * serves cost to users from the CostSnapshot events this class also publishes.
 */
@ApplicationScoped
@Path("/v1/cost")
public class CostResource {

    @Inject
    Transactions database;

    @Inject
    WorkerRepository workers;

    @Inject
    RgridConfig config;

    @Inject
    OutboxWriter outbox;

    @Inject
    ClusterStats stats;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public CostCalculator.Report cost() {
        return compute();
    }

    CostCalculator.Report compute() {
        CostCalculator.Report report = CostCalculator.report(database.inTransaction(c -> workers.all(c)),
                config.orchestrator().scaling().billingPeriod(), Instant.now());
        stats.cost(report.totalEur());
        return report;
    }

    /** Publishes a CostSnapshot on rgrid.cluster.v1 (every {@code lifecycle.cost-interval}). */
    public void publish() {
        CostCalculator.Report report = compute();
        database.inTransaction(c -> {
            outbox.append(c, new CostSnapshot(report.at(), report.totalEur(), report.perWorkerEur()));
            return null;
        });
        outbox.flushSoon();
    }
}
