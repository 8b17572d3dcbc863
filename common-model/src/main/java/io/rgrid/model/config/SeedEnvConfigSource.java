package io.rgrid.model.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the seed guide's environment names that need translating, so an operator who follows
 * the guide's {@code .env} gets a working service:
 * <ul>
 *   <li>{@code DATABASE_URL} (its {@code postgresql+asyncpg://} form) → {@code quarkus.datasource.jdbc.url},
 *       {@code .username}, {@code .password}</li>
 *   <li>{@code MINIO_ENDPOINT} ({@code host:port}) with {@code MINIO_USE_SSL} → {@code rgrid.storage.endpoint}</li>
 * </ul>
 * Names that need no translation (API_SECRET_KEY, MINIO_ACCESS_KEY, KAFKA_BOOTSTRAP_SERVERS, …)
 * are referenced from each service's application.properties. The ordinal sits between
 * environment variables (300) and application.properties (250): an explicit Quarkus
 * variable such as {@code QUARKUS_DATASOURCE_JDBC_URL} still wins.
 */
public class SeedEnvConfigSource implements ConfigSource {

    public static final int ORDINAL = 275;
    private final Map<String, String> values;

    public SeedEnvConfigSource() {
        this(System.getenv());
    }

    public SeedEnvConfigSource(Map<String, String> env) {
        this.values = translate(env);
    }

    static Map<String, String> translate(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        String databaseUrl = env.get("DATABASE_URL");
        if (databaseUrl != null && !databaseUrl.isBlank()) {
            DatabaseUrl db = DatabaseUrl.parse(databaseUrl);
            out.put("quarkus.datasource.jdbc.url", db.jdbcUrl());
            if (db.username() != null) {
                out.put("quarkus.datasource.username", db.username());
            }
            if (db.password() != null) {
                out.put("quarkus.datasource.password", db.password());
            }
        }
        String minio = env.get("MINIO_ENDPOINT");
        if (minio != null && !minio.isBlank()) {
            out.put("rgrid.storage.endpoint", s3Endpoint(minio, env.get("MINIO_USE_SSL")));
        }
        return out;
    }

    /** {@code localhost:9000} + use-ssl → {@code http://localhost:9000}; a full URL is kept as it is. */
    public static String s3Endpoint(String minioEndpoint, String useSsl) {
        String endpoint = minioEndpoint.trim();
        if (endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
            return endpoint;
        }
        return (Boolean.parseBoolean(useSsl) ? "https://" : "http://") + endpoint;
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.copyOf(values);
    }

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return "rgrid-seed-environment";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
