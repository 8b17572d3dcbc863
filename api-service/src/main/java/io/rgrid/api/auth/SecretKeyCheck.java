package io.rgrid.api.auth;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.SecretStrength;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses to start an API that nobody could call, or that anybody could: the admin key and the
 * hash secret must both be set and at least {@value #MIN_LENGTH} characters long.
 */
@Singleton
public class SecretKeyCheck {

    /** Shortest admin key and hash secret accepted ({@link SecretStrength#MIN_LENGTH}). */
    public static final int MIN_LENGTH = SecretStrength.MIN_LENGTH;

    void onStart(@Observes @Priority(1) StartupEvent event, RgridConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems) + "; then start api-service again");
        }
    }

    /** One message per secret that is missing or too short; empty when both are fine. */
    public static List<String> problems(RgridConfig config) {
        List<String> problems = new ArrayList<>();
        check(problems, "rgrid.api.secret-key", "API_SECRET_KEY", config.api().secretKey().orElse(""));
        check(problems, "rgrid.api.hash-secret", "API_HASH_SECRET", config.api().hashSecret().orElse(""));
        return problems;
    }

    private static void check(List<String> problems, String key, String env, String value) {
        String fix = "set the environment variable " + env + " to at least " + MIN_LENGTH + " random characters, "
                + "e.g. the output of 'openssl rand -hex 32' (infra/deploy_orchestrator.sh generates one into .env)";
        SecretStrength.judge(value).ifPresent(weakness -> problems.add(switch (weakness) {
            case MISSING -> key + " is not set: " + fix;
            case UNEXPANDED -> key + " is the unexpanded text of a $(...) command: an env file does not run "
                    + "$(openssl rand -hex 32), its 23 characters were read as the key itself; " + fix;
            case SHORT -> key + " is " + value.length() + " characters, shorter than " + MIN_LENGTH
                    + " (an unexpanded $(openssl rand -hex 32) from an env file is 23): " + fix;
        }));
    }
}
