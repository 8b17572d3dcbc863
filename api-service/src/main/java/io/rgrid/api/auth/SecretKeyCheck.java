package io.rgrid.api.auth;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Refuses to start an API that nobody could call, or that anybody could. */
@Singleton
public class SecretKeyCheck {

    void onStart(@Observes @Priority(1) StartupEvent event, RgridConfig config) {
        String key = config.api().secretKey().orElse("");
        if (key.isBlank()) {
            throw new IllegalStateException("rgrid.api.secret-key is not set: set the environment variable API_SECRET_KEY "
                    + "(e.g. API_SECRET_KEY=$(openssl rand -hex 32)) and start api-service again");
        }
    }
}
