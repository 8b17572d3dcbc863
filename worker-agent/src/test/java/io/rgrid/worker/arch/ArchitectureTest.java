package io.rgrid.worker.arch;

import io.rgrid.testinfra.arch.ArchitectureContract;
import io.rgrid.testinfra.arch.ModuleArchitecture;

/**
 * The worker-agent uses common-model and service-platform only (ModuleArchitecture). Its packages
 * still form one cycle through config's AgentLifecycle (issue 19): the edges below are that
 * cycle's, named one by one. Breaking it deletes edges here; a new edge that closes a cycle, or a
 * listed one that is gone, fails the test, so the list only shrinks.
 */
class ArchitectureTest extends ArchitectureContract {

    @Override
    protected ModuleArchitecture shape() {
        return ModuleArchitecture.of("io.rgrid.worker", "io.rgrid.model", "io.rgrid.platform")
                .withKnownEdges(
                        "worker.assignment.service -> worker.config",
                        "worker.assignment.service -> worker.http",
                        "worker.assignment.service -> worker.kafka",
                        "worker.assignment.service -> worker.runtime",
                        "worker.config -> worker.assignment.service",
                        "worker.config -> worker.heartbeat",
                        "worker.config -> worker.runtime",
                        "worker.heartbeat -> worker.assignment.service",
                        "worker.heartbeat -> worker.config",
                        "worker.heartbeat -> worker.kafka",
                        "worker.http -> worker.config",
                        "worker.kafka -> worker.config",
                        "worker.runtime -> worker.config",
                        "worker.runtime -> worker.runtime.docker",
                        "worker.runtime -> worker.runtime.process",
                        "worker.runtime.docker -> worker.config",
                        "worker.runtime.docker -> worker.runtime",
                        "worker.runtime.process -> worker.runtime"
                );
    }
}
