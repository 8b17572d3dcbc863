package io.rgrid.hetzner.emulator;

import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/** The real boot: a running emulated server answers SSH with its creator's key; deleting it stops its agent. */
class LocalServerBootTest {

    @TempDir
    Path tmp;

    private HetznerEmulator emulator;
    private LocalServerBoot boot;
    private Api api;
    private int sshPort;

    @BeforeEach
    void start() throws IOException {
        Requirements.sshd();
        emulator = HetznerEmulator.builder().token("t0ken").publicIpv4Prefix("127.0.100")
                .bootDelays(Duration.ofMillis(50), Duration.ofMillis(50)).build().start();
        try (ServerSocket s = new ServerSocket(0)) {
            sshPort = s.getLocalPort();
        }
        boot = new LocalServerBoot(emulator, tmp.resolve("servers"), sshPort, 5);
        emulator.addListener(boot);
        api = new Api(emulator.baseUrl(), "t0ken");
    }

    @AfterEach
    void stop() {
        if (emulator != null) {
            emulator.stop();
            boot.close();
        }
    }

    @Test
    void aRunningServerAnswersSshWithItsKeyAndDeletingItStopsItsAgent() throws Exception {
        Path key = tmp.resolve("worker.key");
        LocalSshd.keygen(key, "rgrid-workers");
        String publicKey = Files.readString(Path.of(key + ".pub")).strip();
        assertThat(api.post("/ssh_keys", Api.json("{'name':'rgrid-workers','public_key':'" + publicKey + "'}")).status())
                .isEqualTo(201);
        Api.Reply created = api.post("/servers", Api.json("{'name':'rgrid-worker-boot01','server_type':'cx23',"
                + "'image':'ubuntu-24.04','location':'nbg1','ssh_keys':['rgrid-workers'],"
                + "'user_data':'#cloud-config\\npackages: [docker.io]\\n'}"));
        assertThat(created.status()).isEqualTo(201);
        long id = created.body().path("server").path("id").asLong();
        String ip = created.body().path("server").path("public_net").path("ipv4").path("ip").asText();
        assertThat(ip).startsWith("127.0.100.");

        Path dir = boot.serverDir("rgrid-worker-boot01");
        awaitPort(ip, sshPort, true);
        assertThat(dir.resolve(LocalServerBoot.CLOUD_INIT_DONE)).isRegularFile();
        assertThat(Files.readString(dir.resolve("user-data"))).isEqualTo("#cloud-config\npackages: [docker.io]\n");
        Process ssh = new ProcessBuilder("ssh", "-i", key.toString(), "-p", Integer.toString(sshPort),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                System.getProperty("user.name") + "@" + ip, "echo booted-$((40+2))").redirectErrorStream(true).start();
        assertThat(ssh.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(ssh.getInputStream().readAllBytes())).contains("booted-42");

        // What the bootstrap would have started: a process whose pid is in worker-agent.pid.
        Process agent = new ProcessBuilder("sleep", "600").start();
        Files.writeString(dir.resolve(LocalServerBoot.AGENT_PID_FILE), agent.pid() + "\n");
        assertThat(api.delete("/servers/" + id).status()).isEqualTo(200);
        assertThat(agent.waitFor(20, TimeUnit.SECONDS)).as("the agent is stopped with its server").isTrue();
        awaitPort(ip, sshPort, false);
        assertThat(boot.running()).isZero();
    }

    @Test
    void userDataThatIsNotCloudConfigNeverGetsAnSshd() throws Exception {
        Api.Reply created = api.post("/servers", Api.json("{'name':'rgrid-worker-boot02','server_type':'cx23',"
                + "'image':'ubuntu-24.04','location':'nbg1','user_data':'echo hello'}"));
        long id = created.body().path("server").path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                "running".equals(api.get("/servers/" + id).body().path("server").path("status").asText()));
        // Running, and for a while after: no sshd started, no cloud-init finished.
        Path done = boot.serverDir("rgrid-worker-boot02").resolve(LocalServerBoot.CLOUD_INIT_DONE);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> boot.running() == 0 && !Files.exists(done));
    }

    private static void awaitPort(String host, int port, boolean open) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            boolean answered;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                answered = true;
            } catch (IOException e) {
                answered = false;
            }
            if (answered == open) {
                return;
            }
            Thread.sleep(100);
        }
        fail(host + ":" + port + (open ? " never answered" : " still answers"));
    }
}
