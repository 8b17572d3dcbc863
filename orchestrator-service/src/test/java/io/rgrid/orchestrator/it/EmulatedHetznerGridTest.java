package io.rgrid.orchestrator.it;

import io.agroal.api.AgroalDataSource;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.testinfra.Requirements;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class on the grid {@link HetznerFullLoopTest.EmulatedHetznerWithBoot} sets up: aborts,
 * loudly, where sshd is missing; otherwise connects the grid fixture, which deletes the class's
 * servers through the provider when the class ends.
 */
abstract class EmulatedHetznerGridTest {

    @Inject
    RgridConfig config;

    @Inject
    CloudProvider provider;

    @Inject
    AgroalDataSource dataSource;

    WorkerGridFixture fixture;
    GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        if (HetznerFullLoopTest.EmulatedHetznerWithBoot.skipped) {
            Requirements.sshd();
        }
        fixture = WorkerGridFixture.connect(config, dataSource, () -> {
            for (var server : provider.list()) {
                provider.terminate(server.workerId());
            }
        });
        grid = fixture.events();
    }

    @AfterAll
    void tearDown() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }
}
