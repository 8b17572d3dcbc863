package io.rgrid.api.auth;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.Auth;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/** Maps an Authorization header to a {@link Principal}. */
@ApplicationScoped
public class Authenticator {

    private final RgridConfig config;

    public Authenticator(RgridConfig config) {
        this.config = config;
    }

    /** @return the caller, or empty when the header is missing, malformed or names no known key */
    public Optional<Principal> authenticate(String authorizationHeader) {
        String token = Auth.bearerToken(authorizationHeader);
        if (token == null) {
            return Optional.empty();
        }
        String adminKey = config.api().secretKey().orElse(null);
        if (adminKey != null && !adminKey.isBlank() && Auth.constantTimeEquals(adminKey, token)) {
            return Optional.of(new Principal(config.api().defaultProject(), true));
        }
        return Optional.empty();
    }
}
