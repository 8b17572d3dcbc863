package io.rgrid.orchestrator.provider.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rgrid.hetzner.emulator.LocalSshd;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;
import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bootstrap's registry step over real SSH (an OpenSSH server on 127.0.0.1 run as the current
 * user): the whole bootstrap runs with a tiny stand-in for the agent's distribution, the daemon.json
 * in a temporary directory and a restart command that counts its runs.
 */
class DockerRegistryStepTest {

    @TempDir
    Path tmp;

    private LocalSshd sshd;
    private Path key;
    private Path daemonJson;
    private Path restarts;

    @BeforeEach
    void startSshd() throws IOException {
        Requirements.sshd();
        key = tmp.resolve("client/key");
        Files.createDirectories(key.getParent());
        LocalSshd.keygen(key, "rgrid-test");
        sshd = LocalSshd.start(tmp.resolve("sshd"), "127.0.0.1", SshWorkerBootstrapTest.freePort(),
                List.of(Files.readString(Path.of(key + ".pub")).strip()));
        daemonJson = tmp.resolve("etc/docker/daemon.json");
        restarts = tmp.resolve("restarts");
    }

    @AfterEach
    void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private SshWorkerBootstrap bootstrap(DockerRegistries registries) throws IOException {
        Path agent = Files.createDirectories(tmp.resolve("agent-dist"));
        Files.writeString(agent.resolve("quarkus-run.jar"), "stand-in");
        Path remote = tmp.resolve("remote");
        String user = System.getProperty("user.name");
        SshWorkerBootstrap.Settings settings = new SshWorkerBootstrap.Settings(key, user, tmp.resolve("known_hosts"),
                agent, remote + "/worker-agent", remote + "/worker.env", user, 8002, true, "true", "true",
                Map.of("RGRID_KAFKA_BOOTSTRAP_SERVERS", "10.0.0.2:9092"), null, Map.of(),
                Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(20),
                Duration.ofSeconds(20));
        return new SshWorkerBootstrap(settings, new DockerRegistryStep(registries, daemonJson.toString(),
                "echo restarted >> " + RemoteShell.quote(restarts.toString())));
    }

    private Target target() {
        return new Target("rgrid-worker-reg001", 301, "rgrid-worker-reg001", "token-301", "127.0.0.1", sshd.port(), null);
    }

    @Test
    void mergesTheRegistriesIntoDaemonJsonRestartsDockerOnceAndKeepsWhatWasThere() throws Exception {
        Files.createDirectories(daemonJson.getParent());
        Files.writeString(daemonJson, "{\"storage-driver\": \"vfs\"}\n");
        SshWorkerBootstrap bootstrap = bootstrap(new DockerRegistries(Optional.of("10.0.0.2:5000"),
                List.of("10.0.0.2:5000")));

        bootstrap.bootstrap(target(), Duration.ofMinutes(1));

        JsonNode written = new ObjectMapper().readTree(daemonJson.toFile());
        assertThat(written.get("storage-driver").asText()).isEqualTo("vfs");
        assertThat(written.get("registry-mirrors")).hasToString("[\"http://10.0.0.2:5000\"]");
        assertThat(written.get("insecure-registries")).hasToString("[\"10.0.0.2:5000\"]");
        assertThat(Files.readAllLines(restarts)).containsExactly("restarted");
        assertThat(daemonJson.resolveSibling("daemon.json.rgrid-tmp")).doesNotExist();

        // The same server bootstrapped again (a retry): nothing to change, Docker is not restarted.
        bootstrap.bootstrap(target(), Duration.ofMinutes(1));
        assertThat(Files.readAllLines(restarts)).containsExactly("restarted");
    }

    @Test
    void noFileYetIsCreated() throws Exception {
        bootstrap(new DockerRegistries(Optional.of("mirror.example:443"), List.of())).bootstrap(target(),
                Duration.ofMinutes(1));

        assertThat(new ObjectMapper().readTree(daemonJson.toFile()).get("registry-mirrors"))
                .hasToString("[\"https://mirror.example:443\"]");
        assertThat(Files.readAllLines(restarts)).hasSize(1);
    }

    @Test
    void nothingConfiguredLeavesDaemonJsonAlone() throws Exception {
        bootstrap(DockerRegistries.none()).bootstrap(target(), Duration.ofMinutes(1));

        assertThat(daemonJson).doesNotExist();
        assertThat(restarts).doesNotExist();
    }

    @Test
    void aDaemonJsonThatIsNotJsonFailsTheStepAndIsLeftAsItIs() throws Exception {
        Files.createDirectories(daemonJson.getParent());
        Files.writeString(daemonJson, "{oops");

        assertThatThrownBy(() -> bootstrap(new DockerRegistries(Optional.empty(), List.of("reg:5000")))
                .bootstrap(target(), Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(BootstrapException.class, e -> {
                    assertThat(e.step()).isEqualTo(SshWorkerBootstrap.REGISTRY);
                    assertThat(e.getMessage()).contains(daemonJson + " on the worker: daemon.json is not JSON");
                });
        assertThat(daemonJson).hasContent("{oops");
        assertThat(restarts).doesNotExist();
        assertThat(tmp.resolve("remote/worker-agent")).as("stopped before the upload").doesNotExist();
    }
}
