package io.rgrid.testinfra.arch;

import java.nio.file.Path;

/** common-model: the contracts between services; it uses no other RGrid module. Checked here, as it comes before test-infra. */
class CommonModelArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.model");
    }

    @Override
    protected Path sources() {
        return Path.of("..", "common-model", "src", "main", "java");
    }
}
