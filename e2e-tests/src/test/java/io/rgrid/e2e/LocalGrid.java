package io.rgrid.e2e;

import io.rgrid.testinfra.SharedServers;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One real local grid ({@code ./rgrid local up}: embedded PostgreSQL, Kafka, S3, api-service,
 * orchestrator-service with the local provider, workers on demand) shared by every end-to-end test
 * class of the run, with its own data and config directories and free ports, so a developer's own
 * grid is left alone. Started by the first class that asks ({@code @ExtendWith(LocalGrid.Extension.class)}
 * and a {@code LocalGrid} parameter), stopped with {@code local down --purge} when the run ends.
 */
final class LocalGrid implements ExtensionContext.Store.CloseableResource {

    final Path repo;
    final Path home;
    final Path dataDir;
    final Map<String, String> env;
    final int apiPort;
    final String stdout;

    private LocalGrid() throws IOException {
        repo = SharedServers.repoRoot();
        home = Files.createTempDirectory("rgrid-e2e");
        dataDir = home.resolve("data");
        env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_DATA_HOME", home.resolve("share").toString());
        env.remove("API_SECRET_KEY");
        apiPort = freePort();
        int orchestratorPort = freePort();
        CliRun up = CliRun.run(repo, env, Duration.ofMinutes(5), "local", "up", "--data-dir", dataDir.toString(),
                "--api-port", Integer.toString(apiPort), "--orchestrator-port", Integer.toString(orchestratorPort));
        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.stdout()).contains("RGrid local grid is up.", "http://127.0.0.1:" + apiPort);
        stdout = up.stdout();
        assertThat(home.resolve("config/rgrid/config.json")).exists();
    }

    /** The API's base URL, e.g. {@code http://127.0.0.1:41234}. */
    String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    /** The admin key {@code local up} generated and wrote into the CLI config. */
    String adminKey() throws IOException {
        return io.rgrid.model.Json.mapper().readTree(home.resolve("config/rgrid/config.json").toFile()).path("apiKey").asText();
    }

    boolean workersRunDocker() {
        return stdout.contains("Workers run    docker");
    }

    @Override
    public void close() {
        CliRun down = CliRun.run(repo, env, Duration.ofMinutes(3), "local", "down", "--data-dir", dataDir.toString(), "--purge");
        assertThat(down.exitCode()).as(down.toString()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts the shared grid before the first class that uses it and hands it to {@code @BeforeAll} methods. */
    static final class Extension implements BeforeAllCallback, ParameterResolver {

        @Override
        public void beforeAll(ExtensionContext context) {
            grid(context);
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == LocalGrid.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return grid(context);
        }

        private static LocalGrid grid(ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(LocalGrid.class, k -> {
                try {
                    return new LocalGrid();
                } catch (IOException e) {
                    throw new AssertionError("cannot start the local grid: " + e.getMessage(), e);
                }
            }, LocalGrid.class);
        }
    }
}
