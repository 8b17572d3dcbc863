package io.rgrid.cli.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/** The CLI uses common-model only: it talks to the API over HTTP (ModuleArchitecture). */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.cli", "io.rgrid.model");
    }
}
