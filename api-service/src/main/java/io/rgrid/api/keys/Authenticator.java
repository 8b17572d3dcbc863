package io.rgrid.api.keys;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.Auth;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/** Maps an Authorization header to a {@link Principal}. */
@ApplicationScoped
public class Authenticator {

    private final RgridConfig config;
    private final ApiKeyService keys;

    public Authenticator(RgridConfig config, ApiKeyService keys) {
        this.config = config;
        this.keys = keys;
    }

    /** The admin principal when the token is the admin key; checked without I/O, on the event loop. */
    public Optional<Principal> admin(String token) {
        String adminKey = config.api().secretKey().orElse(null);
        if (token != null && adminKey != null && !adminKey.isBlank() && Auth.constantTimeEquals(adminKey, token)) {
            return Optional.of(new Principal(config.api().defaultProject(), true));
        }
        return Optional.empty();
    }

    /**
     * A project key's principal; reads the database, so call it off the event loop.
     *
     * @throws io.rgrid.platform.db.DatabaseException when the keys cannot be read
     */
    public Optional<Principal> project(String token) {
        return keys.projectOf(token).map(project -> new Principal(project, false));
    }

    /** @return the caller, or empty when the header is missing, malformed or names no active key */
    public Optional<Principal> authenticate(String authorizationHeader) {
        String token = Auth.bearerToken(authorizationHeader);
        if (token == null) {
            return Optional.empty();
        }
        Optional<Principal> admin = admin(token);
        return admin.isPresent() ? admin : project(token);
    }
}
