package io.rgrid.scaling.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * scaling-model uses common-model only, has no package cycle, and all of it is pure: every class
 * is held to the decision rule (no I/O), not only the ones named like decisions.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.scaling", "io.rgrid.model")
                .withPure("io.rgrid.scaling.ClusterSnapshot", "io.rgrid.scaling.CostCalculator",
                        "io.rgrid.scaling.MachineChoice", "io.rgrid.scaling.ScalingPlan",
                        "io.rgrid.scaling.ScalingDefaults");
    }
}
