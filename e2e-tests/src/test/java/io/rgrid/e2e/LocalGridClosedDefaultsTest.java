package io.rgrid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.model.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local grid as {@code rgrid local up} leaves it: no secret on a command line, secrets only in
 * files of mode 0600, the orchestrator's API on loopback and answering there without a token, and
 * the production build without Swagger UI.
 */
@ExtendWith(LocalGrid.Extension.class)
class LocalGridClosedDefaultsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Files the servers keep their data in: large, and no place a secret is written by the grid. */
    private static final List<String> DATA_TREES = List.of("postgres", "kafka", "s3/blobs", "workers");

    @Test
    void noProcessCarriesTheGridsSecretsOnItsCommandLine(LocalGrid grid) throws IOException {
        Map<String, String> secrets = Map.of(
                "S3 secret key", Files.readString(grid.dataDir.resolve("s3-secret-key")).trim(),
                "admin API key", grid.adminKey());
        List<String> commandLines = ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(line -> !line.isEmpty())
                .toList();
        assertThat(commandLines).as("the sample must see the grid's services")
                .anyMatch(line -> line.contains("api-service") && line.contains("quarkus-run.jar"))
                .anyMatch(line -> line.contains("s3proxy.jar"));
        secrets.forEach((name, secret) -> assertThat(commandLines)
                .as("no command line contains the %s", name)
                .noneMatch(line -> line.contains(secret)));
    }

    @Test
    void filesHoldingASecretAreReadableByTheirOwnerOnly(LocalGrid grid) throws IOException {
        List<String> secrets = List.of(Files.readString(grid.dataDir.resolve("s3-secret-key")).trim(), grid.adminKey());
        List<Path> holding;
        try (Stream<Path> files = Files.walk(grid.dataDir)) {
            holding = files.filter(Files::isRegularFile)
                    .filter(f -> DATA_TREES.stream().noneMatch(tree -> grid.dataDir.relativize(f).startsWith(tree)))
                    .filter(f -> secrets.stream().anyMatch(secret -> contains(f, secret)))
                    .toList();
        }
        assertThat(holding).as("the secrets are kept somewhere").isNotEmpty();
        for (Path file : holding) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void theOrchestratorListensOnLoopbackAndTheApiHasNoSwaggerUi(LocalGrid grid) throws Exception {
        JsonNode state = Json.mapper().readTree(grid.dataDir.resolve("grid.json").toFile());
        String orchestrator = state.path("orchestratorUrl").asText();
        assertThat(orchestrator).startsWith("http://127.0.0.1:");
        assertThat(get(orchestrator + "/v1/workers")).as("loopback needs no token").isEqualTo(200);
        assertThat(get(orchestrator + "/q/health/ready")).isEqualTo(200);
        assertThat(get(grid.apiUrl() + "/q/openapi")).isEqualTo(200);
        assertThat(get(grid.apiUrl() + "/q/swagger-ui/")).as("a production build has no Swagger UI").isEqualTo(404);
    }

    private static boolean contains(Path file, String secret) {
        try {
            return Files.size(file) < 1_000_000 && Files.readString(file, StandardCharsets.ISO_8859_1).contains(secret);
        } catch (IOException e) {
            return false;
        }
    }

    private static int get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
