package io.rgrid.testinfra.arch;

/** service-platform: plumbing shared by the services; it uses common-model only. Checked here, as it comes before test-infra. */
class ServicePlatformArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.platform", "io.rgrid.model");
    }
}
