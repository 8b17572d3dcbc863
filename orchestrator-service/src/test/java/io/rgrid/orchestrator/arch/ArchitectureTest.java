package io.rgrid.orchestrator.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * The orchestrator uses common-model, service-platform, ray-task and scaling-model only, and its packages form
 * no cycle (ModuleArchitecture; issue 19 broke the last ones, so no edge is excused). Pure classes not named as
 * decisions are listed with withPure.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.orchestrator", "io.rgrid.model", "io.rgrid.platform", "io.rgrid.raytask",
                "io.rgrid.scaling")
                .withPure("io.rgrid.orchestrator.provider.hetzner.ServerLabels",
                        "io.rgrid.orchestrator.provider.hetzner.ApiErrorAdvice");
    }
}
