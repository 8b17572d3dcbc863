package io.rgrid.orchestrator.provider.hetzner;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.config.RgridConfigTest;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.CloudProviderContract;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import io.rgrid.testinfra.SharedServersResource;

import java.util.Map;

/**
 * The {@code hetzner} provider passes {@link CloudProviderContract} against the repository's
 * Hetzner Cloud API emulator, the one {@link HetznerProviderTest}'s profile starts (same profile:
 * one application serves both; Quarkus is needed for the REST client). A grid is a pool, two pools
 * share one project; neither is the application's own pool, so its reconciliation leaves them
 * alone. The SSH bootstrap is a {@link RecordingBootstrap} (the real one has {@code SshWorkerBootstrapTest}).
 */
@QuarkusTest
@TestProfile(HetznerProviderTest.EmulatedHetzner.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
class HetznerProviderContractTest extends CloudProviderContract {

    @Override
    protected CloudProvider newProvider(String grid) {
        return provider(grid, HetznerEmulatorResource.TOKEN);
    }

    @Override
    protected CloudProvider newUnableProvider() {
        return provider(GRID, "refused-token-fedcba9876543210");
    }

    @Override
    protected boolean serverExists(String workerId) {
        return HetznerEmulatorResource.emulator().servers().stream().anyMatch(s -> s.name().equals(workerId));
    }

    private static HetznerProvider provider(String pool, String token) {
        RgridConfig.Hetzner settings = RgridConfigTest.load(Map.of(
                "rgrid.orchestrator.hetzner.api-url", HetznerEmulatorResource.emulator().baseUrl(),
                "rgrid.orchestrator.hetzner.pool", pool,
                "rgrid.orchestrator.hetzner.server-types", "cx23,cx33",
                "rgrid.orchestrator.hetzner.ssh-key-path", HetznerEmulatorResource.sshKeyPath().toString(),
                "rgrid.orchestrator.hetzner.cloud-init-template", HetznerEmulatorResource.template().toString(),
                "rgrid.orchestrator.hetzner.poll-interval", "100ms")).orchestrator().hetzner();
        HetznerCloud cloud = HetznerCloud.connect(settings.apiUrl(), token, settings.requestsPerHour(),
                settings.maxRateLimitWait(), settings.pollInterval());
        return new HetznerProvider(settings, cloud, new RecordingBootstrap(),
                new TemplateUserData(settings.cloudInitTemplate(), settings.pool(), settings.cloudInitVars()), null,
                (workerId, reason) -> { });
    }
}
