package io.rgrid.testinfra.arch;

import java.nio.file.Path;

/** service-platform: plumbing shared by the services; it uses common-model only. Checked here, as it comes before test-infra. */
class ServicePlatformArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.platform", "io.rgrid.model");
    }

    @Override
    protected Path sources() {
        return Path.of("..", "service-platform", "src", "main", "java");
    }
}
