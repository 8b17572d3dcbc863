package io.rgrid.orchestrator.dispatch;

import io.rgrid.model.agent.Assignment;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.platform.storage.StoragePresigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The assignment both dispatch modes send for an execution's current attempt. Each call names a
 * new run of the attempt and signs its storage access (docs/architecture.md, "Storage layout"):
 * presigned GETs of the script, inputs and requirements, and an upload policy for the run's
 * prefix, for the store as workers reach it ({@code rgrid.orchestrator.bootstrap.worker-storage-endpoint},
 * else {@code rgrid.storage.endpoint}), valid for {@link AccessValidity}. Sending the same attempt
 * again (after a restart) names another run, so the two never write the same keys.
 */
@ApplicationScoped
public class AssignmentBuilder {

    private final RgridConfig config;
    private final StoragePresigner presigner;

    @Inject
    public AssignmentBuilder(RgridConfig config) {
        this.config = config;
        RgridConfig.Storage storage = config.storage();
        this.presigner = new StoragePresigner(
                config.orchestrator().bootstrap().workerStorageEndpoint().orElse(storage.endpoint()),
                storage.accessKey(), storage.secretKey(), storage.region(), storage.bucket());
    }

    public Assignment of(ExecutionRecord execution) {
        return new Assignment(execution.id(), execution.projectId(), execution.attempt(), execution.spec(),
                config.storage().bucket(), execution.scriptKey(), execution.inputKeys(), execution.requirementsKey(),
                presigner.access(execution.id(), execution.attempt(), execution.scriptKey(), execution.inputKeys(),
                        execution.requirementsKey(),
                        AccessValidity.of(execution.spec().timeoutSeconds(), config.storage().accessMargin())));
    }
}
