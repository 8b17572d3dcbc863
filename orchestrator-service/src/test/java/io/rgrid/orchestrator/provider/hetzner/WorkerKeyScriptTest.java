package io.rgrid.orchestrator.provider.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rgrid.hetzner.emulator.HetznerEmulator;
import io.rgrid.testinfra.SharedServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** infra/hetzner_worker_key.sh (the seed's key step) against the Hetzner Cloud API emulator. */
class WorkerKeyScriptTest {

    static final String TOKEN = "key-script-token-4711";

    @TempDir
    Path tmp;

    private HetznerEmulator hetzner;

    @BeforeEach
    void start() {
        hetzner = HetznerEmulator.builder().token(TOKEN).build().start();
    }

    @AfterEach
    void stop() {
        hetzner.stop();
    }

    record Run(int exit, String output) {
    }

    private Run script(String token, String... args) throws Exception {
        var command = new java.util.ArrayList<String>();
        command.add("bash");
        command.add(SharedServers.repoRoot().resolve("infra/hetzner_worker_key.sh").toString());
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("HETZNER_API_URL", hetzner.baseUrl());
        pb.environment().put("HETZNER_API_TOKEN", token);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private JsonNode sshKeys() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(hetzner.baseUrl()
                + "/ssh_keys")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body()).get("ssh_keys");
    }

    @Test
    void generatesTheKeyOnceAndRegistersItOnce() throws Exception {
        Path key = tmp.resolve("infra/hetzner_worker.key");
        Run first = script(TOKEN, "--key", key.toString());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("generated", "registered the public key with Hetzner as rgrid-worker")
                .doesNotContain(TOKEN);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        String publicKey = Files.readString(Path.of(key + ".pub")).strip();
        assertThat(publicKey).startsWith("ssh-ed25519 ");
        JsonNode keys = sshKeys();
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("name").asText()).isEqualTo("rgrid-worker");
        assertThat(keys.get(0).get("labels")).isEqualTo(new ObjectMapper().valueToTree(Map.of("managed-by", "rgrid")));
        assertThat(publicKey).startsWith(keys.get(0).get("public_key").asText());

        String privateKey = Files.readString(key);
        Run second = script(TOKEN, "--key", key.toString());
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output()).contains("exists; kept", "already registered with Hetzner as rgrid-worker");
        assertThat(Files.readString(key)).isEqualTo(privateKey);
        assertThat(sshKeys()).hasSize(1);
    }

    @Test
    void anotherKeyUnderTheSameNameIsAClearError() throws Exception {
        assertThat(script(TOKEN, "--key", tmp.resolve("a.key").toString()).exit()).isZero();
        Run clash = script(TOKEN, "--key", tmp.resolve("b.key").toString());
        assertThat(clash.exit()).isEqualTo(1);
        assertThat(clash.output()).contains("already has a different key named 'rgrid-worker'", "uniqueness_error");
        Run renamed = script(TOKEN, "--key", tmp.resolve("b.key").toString(), "--name", "rgrid-worker-2");
        assertThat(renamed.exit()).as(renamed.output()).isZero();
        assertThat(sshKeys()).hasSize(2);
    }

    @Test
    void aWrongTokenFailsWithoutShowingIt() throws Exception {
        String wrong = "wrong-token-0815";
        Run run = script(wrong, "--key", tmp.resolve("c.key").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("401", "unauthorized").doesNotContain(wrong);
        assertThat(Files.exists(tmp.resolve("c.key"))).as("the key is still generated").isTrue();
        assertThat(script(TOKEN, "--key", tmp.resolve("c.key").toString(), "--bogus").exit()).isEqualTo(2);
    }
}
