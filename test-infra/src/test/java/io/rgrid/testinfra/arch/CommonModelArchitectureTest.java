package io.rgrid.testinfra.arch;

/** common-model: the contracts between services; it uses no other RGrid module. Checked here, as it comes before test-infra. */
class CommonModelArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.model");
    }
}
