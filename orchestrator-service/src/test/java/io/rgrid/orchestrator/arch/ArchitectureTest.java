package io.rgrid.orchestrator.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * The orchestrator uses common-model, service-platform and ray-task only (ModuleArchitecture).
 * Its packages still form one cycle (issue 19): the edges below are that cycle's, named one by
 * one. Breaking it deletes edges here; a new edge that closes a cycle, or a listed one that is
 * gone, fails the test, so the list only shrinks.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.orchestrator", "io.rgrid.model", "io.rgrid.platform", "io.rgrid.raytask")
                .withKnownEdges(
                        "orchestrator.agent -> orchestrator.registry",
                        "orchestrator.dispatch -> orchestrator.agent",
                        "orchestrator.dispatch -> orchestrator.dispatch.ray",
                        "orchestrator.dispatch -> orchestrator.outbox",
                        "orchestrator.dispatch -> orchestrator.queue",
                        "orchestrator.dispatch -> orchestrator.registry",
                        "orchestrator.dispatch.ray -> orchestrator.agent",
                        "orchestrator.dispatch.ray -> orchestrator.dispatch",
                        "orchestrator.dispatch.ray -> orchestrator.outbox",
                        "orchestrator.dispatch.ray -> orchestrator.queue",
                        "orchestrator.dispatch.ray -> orchestrator.registry",
                        "orchestrator.dispatch.ray.driver -> orchestrator.dispatch.ray",
                        "orchestrator.health -> orchestrator.agent",
                        "orchestrator.health -> orchestrator.dispatch",
                        "orchestrator.health -> orchestrator.kafka",
                        "orchestrator.health -> orchestrator.outbox",
                        "orchestrator.health -> orchestrator.provider",
                        "orchestrator.health -> orchestrator.queue",
                        "orchestrator.health -> orchestrator.registry",
                        "orchestrator.kafka -> orchestrator.dispatch",
                        "orchestrator.kafka -> orchestrator.queue",
                        "orchestrator.kafka -> orchestrator.registry",
                        "orchestrator.outbox -> orchestrator.kafka",
                        "orchestrator.provider -> orchestrator.health",
                        "orchestrator.provider -> orchestrator.provider.hetzner",
                        "orchestrator.provider.hetzner -> orchestrator.provider",
                        "orchestrator.queue -> orchestrator.agent",
                        "orchestrator.queue -> orchestrator.outbox",
                        "orchestrator.queue -> orchestrator.registry",
                        "orchestrator.registry -> orchestrator.outbox",
                        "orchestrator.registry -> orchestrator.provider",
                        "orchestrator.registry -> orchestrator.queue"
                );
    }
}
