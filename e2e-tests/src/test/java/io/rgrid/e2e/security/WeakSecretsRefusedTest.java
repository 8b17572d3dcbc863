package io.rgrid.e2e.security;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged api-service, started as systemd starts it (environment only) against real servers,
 * stops at start when the admin key or the hash secret is too short, and says why: among others
 * the guide's {@code API_SECRET_KEY=$(openssl rand -hex 32)}, which an env file does not expand.
 */
class WeakSecretsRefusedTest {

    private static final String GOOD = "0123456789abcdef0123456789abcdef";

    @ParameterizedTest(name = "API_SECRET_KEY=[{0}] API_HASH_SECRET=[{1}]")
    @CsvSource(delimiter = ';', value = {
            "$(openssl rand -hex 32); " + GOOD + "; rgrid.api.secret-key is the unexpanded text of a $(...) command",
            "0123456789abcdef0123456789abcde; " + GOOD + "; rgrid.api.secret-key is 31 characters, shorter than 32",
            GOOD + "; ; rgrid.api.hash-secret is not set: set the environment variable API_HASH_SECRET",
    })
    void theServiceStopsAtStartWithTheReason(String adminKey, String hashSecret, String reason) throws Exception {
        Servers servers = SharedServers.get();
        Path jar = SharedServers.repoRoot().resolve("api-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("package api-service first").exists();
        Path log = Files.createTempFile("weak-secrets", ".log");
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar",
                jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("API_") || name.startsWith("RGRID_") || name.startsWith("QUARKUS_"));
        env.put("API_SECRET_KEY", adminKey);
        env.put("API_HASH_SECRET", hashSecret == null ? "" : hashSecret);
        env.put("RGRID_REPORTS_SIGNING_KEY", GOOD); // a usable one: the row's secrets are what must stop it
        env.put("API_HOST", "127.0.0.1");
        env.put("API_PORT", "0");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", servers.jdbcUrl("weaksecrets"));
        env.put("QUARKUS_DATASOURCE_USERNAME", servers.dbUser());
        env.put("QUARKUS_DATASOURCE_PASSWORD", servers.dbPassword());
        servers.kafka().serviceConfig(KafkaPrincipals.API).forEach((key, value) ->
                env.put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        env.put("RGRID_KAFKA_TOPIC_PREFIX", "weaksecrets.");
        env.put("RGRID_STORAGE_ENDPOINT", servers.s3Endpoint());
        env.put("RGRID_STORAGE_ACCESS_KEY", servers.s3AccessKey());
        env.put("RGRID_STORAGE_SECRET_KEY", servers.s3SecretKey());
        env.put("RGRID_STORAGE_BUCKET", "weaksecrets");
        Process process = builder.start();
        try {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("api-service should stop by itself; log: " + log).isTrue();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(output).isNotZero();
            assertThat(output).contains(reason).contains("openssl rand -hex 32").doesNotContain("Listening on");
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
