package io.rgrid.hetzner.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/** The emulator stands alone: it uses no other RGrid module (ModuleArchitecture). */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.hetzner");
    }
}
