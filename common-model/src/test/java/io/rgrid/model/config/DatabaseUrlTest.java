package io.rgrid.model.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {

    @Test
    void readsTheSeedsAsyncpgForm() {
        DatabaseUrl db = DatabaseUrl.parse("postgresql+asyncpg://rgrid:s%40cret@localhost:5432/rgrid");
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/rgrid");
        assertThat(db.username()).isEqualTo("rgrid");
        assertThat(db.password()).isEqualTo("s@cret");
        assertThat(db.toString()).doesNotContain("s@cret");
    }

    @Test
    void defaultsThePortAndKeepsJdbcUrls() {
        assertThat(DatabaseUrl.parse("postgres://u@db/x").jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/x");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://h:1/d").jdbcUrl()).isEqualTo("jdbc:postgresql://h:1/d");
    }

    @Test
    void rejectsOtherSchemesWithoutEchoingThePassword() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://u:topsecret@h/d"))
                .hasMessageContaining("postgresql://").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> DatabaseUrl.parse("")).hasMessageContaining("empty");
    }

    @Test
    void seedEnvironmentIsTranslatedToServiceKeys() {
        SeedEnvConfigSource source = new SeedEnvConfigSource(Map.of(
                "DATABASE_URL", "postgresql+asyncpg://rgrid:pw@localhost:5432/rgrid",
                "MINIO_ENDPOINT", "localhost:9000",
                "MINIO_USE_SSL", "false"));
        assertThat(source.getValue("quarkus.datasource.jdbc.url")).isEqualTo("jdbc:postgresql://localhost:5432/rgrid");
        assertThat(source.getValue("quarkus.datasource.username")).isEqualTo("rgrid");
        assertThat(source.getValue("quarkus.datasource.password")).isEqualTo("pw");
        assertThat(source.getValue("rgrid.storage.endpoint")).isEqualTo("http://localhost:9000");
        assertThat(SeedEnvConfigSource.s3Endpoint("minio.internal:9000", "true")).isEqualTo("https://minio.internal:9000");
        assertThat(new SeedEnvConfigSource(Map.of()).getPropertyNames()).isEmpty();
    }
}
