package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Servers as node containers ({@link ContainerMachines}), through the emulator's HTTP API: the server boots the node
 * image with systemd, cloud-init applies its user_data from the NoCloud seed, its SSH key logs in as root, and a
 * delete removes its container. Needs Docker and the node image (infra/rehearsal/node-image.sh); skipped with a
 * message without them, failed instead when CI=true or RGRID_REQUIRE_DOCKER=true.
 *
 * <p>Everything it makes is named {@code rgrid-emutest*} and labelled {@code rgrid.rehearsal=emulator-test}, and is
 * removed before (a previous run's leftovers) and after the test.
 */
class ContainerServerTest {

    private static final String NETWORK = "rgrid-emutest";
    private static final String LABEL = "emulator-test";
    private static final String SUBNET = "10.231.0.0/16";
    private static final String IMAGE = "rgrid/node:debian12";

    @TempDir
    static Path tmp;

    private static HetznerEmulator emulator;
    private static Api api;

    @BeforeAll
    static void start() throws IOException {
        if (run("docker", "info").exit() != 0) {
            Requirements.docker(Optional.of("no Docker Engine answers"));
        }
        if (run("docker", "image", "inspect", IMAGE).exit() != 0) {
            Requirements.docker(Optional.of("node image " + IMAGE + " missing: build it with infra/rehearsal/node-image.sh"));
        }
        cleanUp();
        Commands.Result net = run("docker", "network", "create", "--internal", "--subnet", SUBNET,
                "--label", "rgrid.rehearsal=" + LABEL, NETWORK);
        assertThat(net.exit()).as(net.output()).isZero();
        emulator = HetznerEmulator.builder().token("t0ken")
                .machines(new ContainerMachines(new ContainerMachines.Settings(NETWORK, IMAGE, NETWORK, LABEL,
                        Duration.ofSeconds(180))))
                .build().start();
        api = new Api(emulator.baseUrl(), "t0ken");
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.stop();
        }
        cleanUp();
    }

    @Test
    void aServerIsANodeContainerThatAppliesItsUserDataAndTakesItsSshKey() throws Exception {
        Path key = tmp.resolve("worker.key");
        assertThat(run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "emutest", "-f", key.toString()).exit())
                .isZero();
        String publicKey = Files.readString(Path.of(key + ".pub")).strip();
        assertThat(api.post("/ssh_keys", Api.json("{'name':'emutest','public_key':'" + publicKey + "'}")).status())
                .isEqualTo(201);
        Api.Reply network = api.post("/networks", Api.json("{'name':'rehearsal','ip_range':'10.231.0.0/16',"
                + "'subnets':[{'type':'cloud','network_zone':'eu-central','ip_range':'10.231.1.0/24'}]}"));
        assertThat(network.status()).isEqualTo(201);
        long networkId = network.body().path("network").path("id").asLong();

        Api.Reply created = api.post("/servers", Api.json("{'name':'emutest-1','server_type':'cx23',"
                + "'image':'ubuntu-24.04','location':'nbg1','ssh_keys':['emutest'],'networks':[" + networkId + "],"
                + "'user_data':'#cloud-config\\nwrite_files:\\n  - path: /etc/rgrid-seeded\\n    content: seeded by cloud-init\\n'}"));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        JsonNode server = created.body().path("server");
        long id = server.path("id").asLong();
        String ip = server.path("private_net").get(0).path("ip").asText();
        assertThat(ip).isEqualTo("10.231.1.2");
        assertThat(server.path("public_net").path("ipv4").path("ip").asText()).isEqualTo(ip);

        List<String> statuses = awaitStatus(id, "running", Duration.ofSeconds(200));
        assertThat(statuses).containsSubsequence("initializing", "starting", "running");
        assertThat(run("docker", "inspect", "--format", "{{.State.Running}}", "rgrid-emutest-emutest-1").output().strip())
                .isEqualTo("true");

        Commands.Result ssh = run("ssh", "-i", key.toString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "root@" + ip, "cat /etc/rgrid-seeded; hostname; cloud-init status");
        assertThat(ssh.exit()).as(ssh.output()).isZero();
        // status done, not error: what the orchestrator's bootstrap waits for (cloud-init status --wait)
        assertThat(ssh.output()).contains("seeded by cloud-init").contains("emutest-1").contains("status: done");

        assertThat(api.delete("/servers/" + id).status()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (run("docker", "inspect", "rgrid-emutest-emutest-1").exit() == 0) {
            if (System.nanoTime() > deadline) {
                fail("container rgrid-emutest-emutest-1 still exists 60 s after the delete");
            }
            Thread.sleep(250);
        }
        assertThat(run("docker", "network", "inspect", NETWORK).exit()).as("only the server's container is removed")
                .isZero();
    }

    @Test
    void aServerOffEveryNetworkIsRefusedAndNothingIsCreated() throws IOException {
        Api.Reply r = api.post("/servers", Api.json("{'name':'emutest-lonely','server_type':'cx23',"
                + "'image':'ubuntu-24.04','location':'nbg1'}"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_input");
        assertThat(r.body().toString()).contains("networks");
        assertThat(run("docker", "inspect", "rgrid-emutest-emutest-lonely").exit()).isNotZero();
    }

    private static List<String> awaitStatus(long id, String wanted, Duration timeout) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String status = api.get("/servers/" + id).body().path("server").path("status").asText();
            if (seen.isEmpty() || !seen.getLast().equals(status)) {
                seen.add(status);
            }
            if (status.equals(wanted)) {
                return seen;
            }
            if (status.equals("off")) {
                fail("server went off instead of " + wanted + ": " + api.get("/servers/" + id + "/actions").body());
            }
            Thread.sleep(200);
        }
        return fail("server " + id + " not " + wanted + " within " + timeout + "; statuses " + seen);
    }

    private static void cleanUp() {
        try {
            String ids = run("docker", "ps", "-aq", "--filter", "label=rgrid.rehearsal=" + LABEL).output().strip();
            for (String container : ids.isEmpty() ? List.<String>of() : List.of(ids.split("\\s+"))) {
                run("docker", "rm", "-f", "-v", container);
            }
            run("docker", "network", "rm", NETWORK);
        } catch (IOException e) {
            System.err.println("ContainerServerTest cleanup: " + e.getMessage());
        }
    }

    private static Commands.Result run(String... command) throws IOException {
        return Commands.run(command);
    }
}
