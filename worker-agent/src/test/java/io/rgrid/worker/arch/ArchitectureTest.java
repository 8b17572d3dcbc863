package io.rgrid.worker.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * The worker-agent uses common-model and service-platform only, and its packages form no cycle
 * (ModuleArchitecture): {@code lifecycle} (start, drain, the runtime's choice) sits on top and
 * nothing depends on it; {@code runtime.docker} and {@code runtime.process} depend on
 * {@code runtime}, never the other way round; the container labels are common-model's
 * {@code ContainerLabels}.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.worker", "io.rgrid.model", "io.rgrid.platform");
    }
}
