package io.rgrid.orchestrator.provider.hetzner;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.PathConverter;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.config.WorkerDocker;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registries a worker's Docker gets, merged into its daemon.json: a table of cases. */
class DockerRegistriesTest {

    private static DockerRegistries registries(String mirror, String insecure) {
        return new DockerRegistries(Optional.ofNullable(mirror),
                insecure == null ? List.of() : Arrays.asList(insecure.split(" ")));
    }

    @ParameterizedTest(name = "mirror={0} insecure={1} daemon.json={2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // nothing configured: the file is never touched
            "-                        | -                    | -                                  | UNCHANGED",
            // TLS by default
            "10.0.0.2:5000            | -                    | -                                  | {'registry-mirrors':['https://10.0.0.2:5000']}",
            "https://mirror.example   | -                    | ''                                 | {'registry-mirrors':['https://mirror.example']}",
            // a mirror listed insecure is reached over HTTP, and stays listed
            "10.0.0.2:5000            | 10.0.0.2:5000        | -                                  | {'registry-mirrors':['http://10.0.0.2:5000'],'insecure-registries':['10.0.0.2:5000']}",
            "http://10.0.0.2:5000/    | 10.0.0.2:5000        | -                                  | {'registry-mirrors':['http://10.0.0.2:5000'],'insecure-registries':['10.0.0.2:5000']}",
            // insecure registries alone (an image named registry:5000/...), CIDRs too
            "-                        | reg:5000 10.0.0.0/16 | -                                  | {'insecure-registries':['reg:5000','10.0.0.0/16']}",
            // what the image or the operator set is kept
            "10.0.0.2:5000            | -                    | {'storage-driver':'vfs'}           | {'storage-driver':'vfs','registry-mirrors':['https://10.0.0.2:5000']}",
            "10.0.0.2:5000            | -                    | {'registry-mirrors':['https://a']} | {'registry-mirrors':['https://a','https://10.0.0.2:5000']}",
            // already there: no write, no restart (a second bootstrap of the same server)
            "10.0.0.2:5000            | 10.0.0.2:5000        | {'registry-mirrors':['http://10.0.0.2:5000'],'insecure-registries':['10.0.0.2:5000']} | UNCHANGED",
            "-                        | reg:5000             | {'insecure-registries':['reg:5000'],'debug':true} | UNCHANGED"})
    void mergesIntoDaemonJson(String mirror, String insecure, String daemonJson, String expected) {
        Optional<String> merged = registries(mirror, insecure).mergeInto(json(daemonJson));

        if (expected.equals("UNCHANGED")) {
            assertThat(merged).isEmpty();
        } else {
            assertThat(merged).isPresent();
            assertThat(merged.get().replaceAll("\\s", "")).isEqualTo(json(expected));
            assertThat(registries(mirror, insecure).mergeInto(merged.get())).as("idempotent").isEmpty();
        }
    }

    @ParameterizedTest(name = "mirror={0} insecure={1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "http://10.0.0.2:5000 | -              | is plain HTTP; list 10.0.0.2:5000 in rgrid.orchestrator.bootstrap.docker.insecure-registries",
            "ftp://x:1            | -              | is neither host:port nor an http(s) URL",
            "-                    | 'ok:1 bad_host:1' | rgrid.orchestrator.bootstrap.docker.insecure-registries",
            "-                    | x;rm           | is neither host[:port] nor a CIDR"})
    void badSettingsAreRefusedWithTheirKey(String mirror, String insecure, String message) {
        assertThatThrownBy(() -> registries(mirror, insecure)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "daemon.json={0}")
    @CsvSource(delimiter = '|', value = {
            "{oops                        | daemon.json is not JSON",
            "[]                           | daemon.json is not a JSON object",
            "{'registry-mirrors':'x'}     | daemon.json's \"registry-mirrors\" is not a list"})
    void aDaemonJsonItCannotMergeIntoIsRefused(String daemonJson, String message) {
        assertThatThrownBy(() -> registries("10.0.0.2:5000", null).mergeInto(json(daemonJson)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    /** What operators write (the environment names of .env.example) to what the workers' Docker gets. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "nothing set                               | -             | -                       | -                      | -",
            "a mirror alone: TLS                       | 10.0.0.2:5000 | -                       | https://10.0.0.2:5000  | -",
            "the mirror listed insecure: HTTP          | 10.0.0.2:5000 | 10.0.0.2:5000           | http://10.0.0.2:5000   | 10.0.0.2:5000",
            "insecure registries alone, comma-separated| -             | 10.0.0.2:5000,reg:443   | -                      | 10.0.0.2:5000 reg:443"})
    void resolvedFromTheEnvironmentNamesOperatorsSet(String what, String mirror, String insecure, String mirrorUrl,
                                                    String expectedInsecure) {
        Map<String, String> env = new HashMap<>();
        if (mirror != null) {
            env.put("RGRID_ORCHESTRATOR_BOOTSTRAP_DOCKER_REGISTRY_MIRROR", mirror);
        }
        if (insecure != null) {
            env.put("RGRID_ORCHESTRATOR_BOOTSTRAP_DOCKER_INSECURE_REGISTRIES", insecure);
        }
        WorkerDocker docker = new SmallRyeConfigBuilder().withMapping(RgridConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(Path.class, 100, new PathConverter())
                .withSources(new EnvConfigSource(env, 300)).build()
                .getConfigMapping(RgridConfig.class).orchestrator().bootstrap().docker();

        DockerRegistries registries = DockerRegistries.from(docker);
        assertThat(registries.mirrorUrl()).isEqualTo(Optional.ofNullable(mirrorUrl));
        assertThat(registries.insecure()).isEqualTo(expectedInsecure == null ? List.of()
                : List.of(expectedInsecure.split(" ")));
        assertThat(registries.isEmpty()).isEqualTo(mirror == null && insecure == null);
        assertThat(docker.daemonConfig()).isEqualTo("/etc/docker/daemon.json");
        assertThat(docker.restartCommand()).isEqualTo("systemctl restart docker");
    }

    private static String json(String singleQuoted) {
        return singleQuoted == null ? null : singleQuoted.replace('\'', '"');
    }
}
