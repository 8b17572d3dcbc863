package io.rgrid.orchestrator.provider;

import io.rgrid.orchestrator.config.RgridConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.util.List;

/** Chooses the provider named by {@code rgrid.orchestrator.provider}. */
@ApplicationScoped
public class CloudProviders {

    @Produces
    @ApplicationScoped
    CloudProvider provider(RgridConfig config) {
        return switch (config.orchestrator().provider()) {
            case "local" -> new LocalProcessProvider(config);
            case "static" -> new StaticProvider(config.orchestrator().staticProvider().agents().orElse(List.of()));
            default -> throw new IllegalArgumentException("rgrid.orchestrator.provider: unknown provider '"
                    + config.orchestrator().provider() + "' (known: local, static)");
        };
    }
}
