package io.rgrid.api.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * api-service uses common-model and service-platform only, and its packages form no cycle
 * (ModuleArchitecture). Besides the classes named as decisions, the submission checks are pure.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.api", "io.rgrid.model", "io.rgrid.platform")
                .withPure("io.rgrid.api.execution.service.SpecParser", "io.rgrid.api.execution.service.SpecResolver",
                        "io.rgrid.api.execution.service.FileNames", "io.rgrid.api.execution.service.ExecutionKeys");
    }
}
