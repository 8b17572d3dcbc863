package io.rgrid.model.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClientConfigTest {

    @Test
    void livesUnderXdgConfigHome(@TempDir Path dir) {
        assertThat(ClientConfig.path(Map.of("XDG_CONFIG_HOME", dir.toString())))
                .isEqualTo(dir.resolve("rgrid/config.json"));
        assertThat(ClientConfig.path(Map.of()).toString()).endsWith(".config/rgrid/config.json");
    }

    @Test
    void isWrittenWithMode0600AndReadBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rgrid/config.json");
        new ClientConfig("http://127.0.0.1:8000", "k").write(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ClientConfig.read(file)).isEqualTo(new ClientConfig("http://127.0.0.1:8000", "k"));
        assertThat(ClientConfig.read(dir.resolve("missing.json"))).isNull();
    }
}
