package io.rgrid.api.execution.service;

import io.rgrid.api.cluster.ClusterRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.capacity.MachineFit;
import io.rgrid.model.api.ErrorCode;
import jakarta.inject.Singleton;

/**
 * Refuses a spec that no machine type of the grid can ever hold (422 UNSCHEDULABLE, naming the
 * largest the grid can run, or that the {@code machine} it insists on is not allowed or too small),
 * judged by {@link MachineFit} against the types the orchestrator last published. With none
 * published yet nothing is refused: the orchestrator fails what it cannot place.
 */
@Singleton
public class CapacityCheck {

    private final Transactions tx;
    private final ClusterRepository cluster;

    public CapacityCheck(Transactions tx, ClusterRepository cluster) {
        this.tx = tx;
        this.cluster = cluster;
    }

    /** @throws ApiException UNSCHEDULABLE when no allowed machine type can hold {@code spec} */
    public void check(ExecutionSpec spec) {
        MachineFit.refusal(tx.read(cluster::machineTypes), spec.cpus(), spec.memoryMb(), spec.machine())
                .ifPresent(reason -> {
                    throw new ApiException(ErrorCode.UNSCHEDULABLE, reason);
                });
    }
}
