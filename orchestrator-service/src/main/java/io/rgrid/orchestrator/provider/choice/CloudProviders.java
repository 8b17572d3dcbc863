package io.rgrid.orchestrator.provider.choice;

import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.health.HealthMonitor;
import io.rgrid.orchestrator.kafka.WorkerLogins;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.LocalProcessProvider;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.provider.StaticProvider;
import io.rgrid.orchestrator.provider.WorkerLoginProvider;
import io.rgrid.orchestrator.provider.hetzner.HetznerProvider;
import io.rgrid.orchestrator.provider.hetzner.TemplateUserData;
import io.rgrid.orchestrator.provider.hetzner.UserDataRenderer;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/**
 * Chooses the provider named by {@code rgrid.orchestrator.provider}; a provider that creates
 * workers is wrapped in {@link WorkerLoginProvider}.
 */
@ApplicationScoped
public class CloudProviders {

    @Produces
    @ApplicationScoped
    CloudProvider provider(RgridConfig config, Instance<WorkerBootstrap> bootstrap, Instance<UserDataRenderer> userData,
                           ProvisioningTimeline timeline, Instance<HealthMonitor> health, ClusterStats stats,
                           Instance<WorkerLogins> logins) {
        // Provisioned workers each get their own Kafka login; static agents keep their operator's.
        return switch (config.orchestrator().provider()) {
            case "local" -> new WorkerLoginProvider(new LocalProcessProvider(config), logins.get());
            case "static" -> StaticProvider.of(config.orchestrator().staticProvider());
            case "hetzner" -> new WorkerLoginProvider(
                    hetzner(config.orchestrator().hetzner(), bootstrap, userData, timeline, health, stats), logins.get());
            default -> throw new IllegalArgumentException("rgrid.orchestrator.provider: unknown provider '"
                    + config.orchestrator().provider() + "' (known: local, static, hetzner)");
        };
    }

    /**
     * The hetzner provider: its API client, the {@link WorkerBootstrap} bean (exactly one must
     * exist), the {@link UserDataRenderer} bean when there is one (else the template file of
     * {@code rgrid.orchestrator.hetzner.cloud-init-template}), and the health monitor for failed boots.
     */
    private static CloudProvider hetzner(RgridConfig.Hetzner settings, Instance<WorkerBootstrap> bootstrap,
                                         Instance<UserDataRenderer> userData, ProvisioningTimeline timeline,
                                         Instance<HealthMonitor> health, ClusterStats stats) {
        String token = settings.apiToken().filter(t -> !t.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                "rgrid.orchestrator.provider=hetzner needs an API token: set HETZNER_API_TOKEN "
                        + "(rgrid.orchestrator.hetzner.api-token) to a Read & Write token of the Hetzner project"));
        if (!bootstrap.isResolvable()) {
            throw new IllegalStateException("rgrid.orchestrator.provider=hetzner needs exactly one WorkerBootstrap "
                    + "implementation (the SSH bootstrap); found " + (bootstrap.isUnsatisfied() ? "none" : "several"));
        }
        HetznerCloud cloud = HetznerCloud.connect(settings.apiUrl(), token, settings.requestsPerHour(),
                settings.maxRateLimitWait(), settings.pollInterval());
        // A server that was created but could not be made a worker: LOST (its work, if any, taken
        // back), its server deleted, then DELETED, like a worker that missed its first heartbeat.
        HetznerProvider.BootListener onBootFailure = (workerId, reason) -> {
            stats.provisioningFailed();
            health.get().loseAndTerminate(workerId, "boot_failed", reason);
        };
        UserDataRenderer renderer = userData.isResolvable() ? userData.get()
                : new TemplateUserData(settings.cloudInitTemplate(), settings.pool(), settings.cloudInitVars());
        return new HetznerProvider(settings, cloud, bootstrap.get(), renderer, timeline, onBootFailure);
    }
}
