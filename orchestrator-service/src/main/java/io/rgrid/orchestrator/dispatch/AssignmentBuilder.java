package io.rgrid.orchestrator.dispatch;

import io.rgrid.model.agent.Assignment;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.model.signing.SealedReportKeys;
import io.rgrid.platform.signing.ControlPlaneKey;
import io.rgrid.platform.storage.StoragePresigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The assignment both dispatch modes send for an execution's current attempt. Each call names a
 * new run of the attempt and signs its storage access (docs/architecture.md, "Storage layout"):
 * presigned GETs of the script, inputs and requirements, and an upload policy for the run's
 * prefix, for the store as workers reach it ({@code rgrid.orchestrator.bootstrap.worker-storage-endpoint},
 * else {@code rgrid.storage.endpoint}), valid for {@link AccessValidity}. Sending the same attempt
 * again (after a restart) names another run, so the two never write the same keys. It carries the
 * attempt key of the worker that runs it ({@link ControlPlaneKey#attemptKey}), which the agent signs
 * the attempt's reports and log chunks with (docs/security.md).
 */
@ApplicationScoped
public class AssignmentBuilder {

    private final RgridConfig config;
    private final StoragePresigner presigner;
    private final ControlPlaneKey key;
    private final Transactions database;
    private final WorkerRepository workers;

    @Inject
    public AssignmentBuilder(RgridConfig config, ControlPlaneKey key, Transactions database, WorkerRepository workers) {
        this.config = config;
        this.key = key;
        this.database = database;
        this.workers = workers;
        RgridConfig.Storage storage = config.storage();
        this.presigner = new StoragePresigner(
                config.orchestrator().bootstrap().workerStorageEndpoint().orElse(storage.endpoint()),
                storage.accessKey(), storage.secretKey(), storage.region(), storage.bucket());
    }

    /** The assignment for {@code workerId}, the worker the dispatcher picked. */
    public Assignment of(ExecutionRecord execution, String workerId) {
        return of(execution, List.of(workerId));
    }

    /**
     * The assignment for whichever live worker Ray places it on: it carries the attempt key of each
     * worker that is not DELETED, since the orchestrator does not know the node in advance, each
     * sealed with that worker's token ({@link SealedReportKeys}): the node that runs it opens its
     * own, and no other's; the Ray cluster it travels through opens none.
     */
    public Assignment forAnyWorker(ExecutionRecord execution) {
        Map<String, String> reportKeys = new LinkedHashMap<>();
        for (WorkerRecord worker : database.inTransaction(c -> workers.live(c))) {
            if (worker.token() != null) {
                reportKeys.put(worker.id(), SealedReportKeys.seal(
                        key.attemptKey(execution.id(), execution.attempt(), worker.id()), worker.token(),
                        execution.id(), execution.attempt(), worker.id()));
            }
        }
        return of(execution, reportKeys);
    }

    private Assignment of(ExecutionRecord execution, Collection<String> workerIds) {
        Map<String, String> reportKeys = new LinkedHashMap<>();
        for (String workerId : workerIds) {
            reportKeys.put(workerId, key.attemptKey(execution.id(), execution.attempt(), workerId));
        }
        return of(execution, reportKeys);
    }

    private Assignment of(ExecutionRecord execution, Map<String, String> reportKeys) {
        return new Assignment(execution.id(), execution.projectId(), execution.attempt(), execution.spec(),
                config.storage().bucket(), execution.scriptKey(), execution.inputKeys(), execution.requirementsKey(),
                presigner.access(execution.id(), execution.attempt(), execution.scriptKey(), execution.inputKeys(),
                        execution.requirementsKey(),
                        AccessValidity.of(execution.spec().timeoutSeconds(), config.storage().accessMargin())),
                reportKeys);
    }
}
