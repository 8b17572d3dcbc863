package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.provider.ProvisioningException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.util.Optional;

/**
 * The hetzner provider's two seams, filled: {@link SshWorkerBootstrap} as the
 * {@link WorkerBootstrap}, and {@code deploy/cloud-init/worker.yaml} (bundled in the jar, rendered
 * by {@link CloudInitTemplate}) as the {@link UserDataRenderer}. Both are created on first use, so
 * the local and static providers never touch them.
 */
@ApplicationScoped
public class BootstrapBeans {

    @Produces
    @ApplicationScoped
    WorkerBootstrap sshBootstrap(RgridConfig config) {
        return new SshWorkerBootstrap(config);
    }

    @Produces
    @ApplicationScoped
    UserDataRenderer cloudInit(RgridConfig config) {
        RgridConfig.Bootstrap b = config.orchestrator().bootstrap();
        Optional<CloudInitTemplate.Ray> ray = b.rayHeadAddress().filter(a -> !a.isBlank())
                .map(a -> new CloudInitTemplate.Ray(a, b.rayVersion(), b.raySlots()));
        CloudInitTemplate.Settings settings = new CloudInitTemplate.Settings(ray);
        CloudInitTemplate template = CloudInitTemplate.bundled();
        // The same for every server: nothing in it is per worker (the identity comes over SSH).
        String rendered = template.render(settings);
        return new UserDataRenderer() {
            @Override
            public String render(String workerId, String serverType, String location) throws ProvisioningException {
                return rendered;
            }

            @Override
            public String toString() {
                return "deploy/cloud-init/worker.yaml" + (ray.isPresent() ? " with Ray" : "");
            }
        };
    }
}
