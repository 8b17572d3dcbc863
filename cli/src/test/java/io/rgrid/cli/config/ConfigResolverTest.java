package io.rgrid.cli.config;

import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.config.ClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigResolverTest {

    @TempDir
    Path xdg;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", xdg.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private void writeFile(String url, String key) throws Exception {
        new ClientConfig(url, key).write(xdg.resolve("rgrid/config.json"));
    }

    @Test
    void flagsWinOverEnvironmentAndFile() throws Exception {
        writeFile("http://file:1", "file-key");
        ApiSettings settings = new ConfigResolver(env("RGRID_API_URL", "http://env:2", "RGRID_API_KEY", "env-key"))
                .resolve("http://flag:3/", "flag-key");
        assertThat(settings.apiUrl()).hasToString("http://flag:3");
        assertThat(settings.apiKey()).isEqualTo("flag-key");
        assertThat(settings.keySource()).isEqualTo("--api-key");
    }

    @Test
    void environmentWinsOverFile() throws Exception {
        writeFile("http://file:1", "file-key");
        ApiSettings settings = new ConfigResolver(env("RGRID_API_URL", "http://env:2", "RGRID_API_KEY", "env-key"))
                .resolve(null, null);
        assertThat(settings.apiUrl()).hasToString("http://env:2");
        assertThat(settings.apiKey()).isEqualTo("env-key");
        assertThat(settings.keySource()).isEqualTo("RGRID_API_KEY");
    }

    @Test
    void fileIsUsedForWhatFlagsAndEnvironmentLeaveOpen() throws Exception {
        writeFile("http://file:1", "file-key");
        ApiSettings urlFromFile = new ConfigResolver(env("RGRID_API_KEY", "env-key")).resolve(null, null);
        assertThat(urlFromFile.apiUrl()).hasToString("http://file:1");
        assertThat(urlFromFile.apiKey()).isEqualTo("env-key");

        ApiSettings keyFromFile = new ConfigResolver(env()).resolve("http://flag:3", null);
        assertThat(keyFromFile.apiUrl()).hasToString("http://flag:3");
        assertThat(keyFromFile.apiKey()).isEqualTo("file-key");
        assertThat(keyFromFile.keySource()).isEqualTo(xdg.resolve("rgrid/config.json").toString());
    }

    @Test
    void blankValuesCountAsUnset() throws Exception {
        writeFile("http://file:1", "file-key");
        ApiSettings settings = new ConfigResolver(env("RGRID_API_URL", " ", "RGRID_API_KEY", ""))
                .resolve("", " ");
        assertThat(settings.apiUrl()).hasToString("http://file:1");
        assertThat(settings.apiKey()).isEqualTo("file-key");
    }

    @Test
    void urlDefaultsToTheLocalGrid() {
        ApiSettings settings = new ConfigResolver(env("RGRID_API_KEY", "k")).resolve(null, null);
        assertThat(settings.apiUrl()).hasToString("http://127.0.0.1:8000");
    }

    @Test
    void noKeyAnywhereSaysHowToGetOne() {
        assertThatThrownBy(() -> new ConfigResolver(env()).resolve(null, null))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
                    assertThat(e.getMessage()).contains("no API key configured")
                            .contains("./rgrid local up").contains("--api-key");
                });
    }

    @Test
    void aBrokenFileIsNamed() throws Exception {
        Path file = xdg.resolve("rgrid/config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{not json");
        assertThatThrownBy(() -> new ConfigResolver(env()).resolve(null, null))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
                    assertThat(e.getMessage()).contains("cannot read the CLI config " + file);
                });
    }

    @Test
    void theFileIsNotReadWhenFlagsSayEverything() throws Exception {
        Path file = xdg.resolve("rgrid/config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{not json");
        assertThat(new ConfigResolver(env()).resolve("http://flag:3", "k").apiKey()).isEqualTo("k");
    }

    @Test
    void aUrlThatIsNotHttpIsAUsageError() {
        assertThatThrownBy(() -> new ConfigResolver(env()).resolve("localhost:8000", "k"))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
                    assertThat(e.getMessage()).contains("'localhost:8000' is not an http(s) URL");
                });
    }

    @ParameterizedTest(name = "flag={0} env={1} file={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "/f.pem, /e.pem, /c.pem, --ca-cert /f.pem",
            "-,      /e.pem, /c.pem, RGRID_CA_CERT=/e.pem",
            "' ',    /e.pem, /c.pem, RGRID_CA_CERT=/e.pem",
            "-,      -,      /c.pem, caCert /c.pem in CONFIG",
            "-,      -,      ca.pem, caCert XDG/rgrid/ca.pem in CONFIG",
            "-,      ' ',    -,      -",
            "-,      -,      -,      -"})
    void caCertComesFromTheFlagTheEnvironmentOrTheFile(String flag, String envValue, String fileValue, String expected)
            throws Exception {
        Path config = xdg.resolve("rgrid/config.json");
        new ClientConfig("http://file:1", "file-key", fileValue).write(config);
        Map<String, String> env = envValue == null ? env() : env("RGRID_CA_CERT", envValue);

        CaCert ca = new ConfigResolver(env).resolve(null, null, flag).caCert();

        assertThat(ca == null ? null : ca.describe()).isEqualTo(expected == null ? null
                : expected.replace("CONFIG", config.toString()).replace("XDG", xdg.toString()));
    }

    @Test
    void aBrokenFileIsNotReadForTheCaWhenFlagsSayEverythingElse() throws Exception {
        Path file = xdg.resolve("rgrid/config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{not json");
        assertThat(new ConfigResolver(env()).resolve("http://flag:3", "k", null).caCert()).isNull();
        assertThatThrownBy(() -> new ConfigResolver(env()).resolveCaCert(null)).isInstanceOf(CliException.class);
    }
}
