package io.rgrid.orchestrator.it;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.hetzner.emulator.HetznerEmulator;
import io.rgrid.hetzner.emulator.LocalServerBoot;
import io.rgrid.hetzner.emulator.LocalSshd;
import io.rgrid.hetzner.emulator.ServerInfo;
import io.rgrid.hetzner.emulator.ServerLifecycleListener;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import io.rgrid.orchestrator.crash.PackagedOrchestrators;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Requirements;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.testinfra.SignedRecords;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 27: an orchestrator killed (-9) while a Hetzner server it created boots. Two orchestrator
 * processes (the packaged jar, so this runs in the integration-test phase) share one grid whose
 * cloud is the emulator with real boots ({@link LocalServerBoot}: an sshd per server); the leader
 * creates a server for a queued execution and is killed while the server is still
 * {@code starting}. The standby takes the lease, finds the PROVISIONING worker whose boot runs
 * nowhere and resumes it: the same server ends bootstrapped, its agent runs the execution in
 * attempt 1, and no second server is created. Without the resumption the worker would wait,
 * paid for, until the boot timeout (5 minutes here, past this test's patience).
 */
class HetznerBootCrashIT {

    private static final String DATABASE = "bootresume";
    private static final String PREFIX = DATABASE + ".";
    /** Long enough that the leader is killed while the server is still starting. */
    private static final Duration STARTING = Duration.ofSeconds(15);

    private PackagedOrchestrators orchestrators;
    private final List<ServerInfo> running = new CopyOnWriteArrayList<>();
    private HetznerEmulator emulator;
    private LocalServerBoot boot;
    private Path dir;

    @AfterEach
    void stopEverything() throws Exception {
        if (orchestrators != null) {
            orchestrators.close();
        }
        if (boot != null) {
            boot.close(); // stops each server's agent and sshd
        }
        if (emulator != null) {
            emulator.stop();
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aServerWhoseLeaderWasKilledMidBootIsBootstrappedByTheNextLeaderAndRunsItsExecution() throws Exception {
        Requirements.sshd();
        Servers servers = SharedServers.get();
        TestKafka.createTopics(servers.kafka(), PREFIX);
        orchestrators = new PackagedOrchestrators(servers, DATABASE);

        dir = Files.createTempDirectory("rgrid-boot-resume");
        Path key = dir.resolve("hetzner_worker.key");
        LocalSshd.keygen(key, "rgrid-workers");
        int sshPort = HetznerFullLoopTest.EmulatedHetznerWithBoot.freePort();
        emulator = HetznerEmulator.builder().token(HetznerFullLoopTest.EmulatedHetznerWithBoot.TOKEN)
                .publicIpv4Prefix("127.0.100").bootDelays(Duration.ofMillis(300), STARTING)
                .deleteDelay(Duration.ofMillis(100)).build().start();
        Path serverDirs = dir.resolve("servers");
        boot = new LocalServerBoot(emulator, serverDirs, sshPort, 15);
        emulator.addListener(boot);
        emulator.addListener(new ServerLifecycleListener() {
            @Override
            public void onRunning(ServerInfo server) {
                running.add(server);
            }
        });
        // One set of settings for both: the agent address each computes for the server must agree.
        Map<String, String> settings = new HashMap<>(HetznerFullLoopTest.EmulatedHetznerWithBoot.settings(
                emulator.baseUrl(), key, sshPort, serverDirs, dir));
        settings.putAll(SharedServersResource.config(servers, DATABASE));
        settings.put("rgrid.orchestrator.scaling.billing-period", "1h"); // idle deletion is not this test's subject
        settings.put("rgrid.leader.lease", "4s");
        settings.put("rgrid.leader.renew-interval", "1s");

        Process first = startOrchestrator(settings, "boot-a");
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(250))
                .until(() -> orchestrators.leaseHolder().startsWith("boot-a/"));
        startOrchestrator(settings, "boot-b");

        UUID id = Ids.newExecutionId();
        submit(servers, id, "print('booted by the next leader')\n");

        // The leader created the server, recorded it and boots it; kill it before the server is running.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(() -> !emulator.servers().isEmpty() && orchestrators.count("workers",
                        "state = 'PROVISIONING' AND provider_handle IS NOT NULL") == 1);
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(running).as("killed while the server was still starting").isEmpty();
        String serverName = emulator.servers().getFirst().name();
        long killed = System.nanoTime();

        await().atMost(Duration.ofSeconds(360)).pollInterval(Duration.ofMillis(250))
                .until(() -> "SUCCEEDED".equals(orchestrators.execution(id, "state")));
        System.out.printf("the execution succeeded %d ms after kill -9 of the leader mid-boot%n",
                (System.nanoTime() - killed) / 1_000_000);

        assertThat(orchestrators.execution(id, "attempt")).isEqualTo("1");
        assertThat(orchestrators.execution(id, "worker_id")).as("run by the server the killed leader created")
                .isEqualTo(serverName);
        assertThat(running).as("one server, booted once: none created in its place")
                .extracting(ServerInfo::name).containsExactly(serverName);
        assertThat(emulator.servers()).extracting(ServerInfo::name).containsExactly(serverName);
        // Both ran while the server was created: only the leader provisioned; the standby resumed, created nothing.
        long serverId = emulator.servers().getFirst().id();
        assertThat(Files.readString(orchestrators.log("boot-resume-it-boot-a")))
                .contains("Hetzner server " + serverId + " created");
        assertThat(Files.readString(orchestrators.log("boot-resume-it-boot-b")))
                .contains("resuming the boot of Hetzner server " + serverId)
                .doesNotContainPattern("Hetzner server [0-9]+ created");
    }

    private Process startOrchestrator(Map<String, String> settings, String instance) throws IOException {
        List<String> options = new ArrayList<>();
        settings.forEach((k, v) -> options.add("-D" + k + "=" + v));
        options.addAll(List.of("-Dquarkus.http.port=0", "-Drgrid.messaging.instance-id=" + instance, "-Xmx256m"));
        return orchestrators.start(options, "boot-resume-it-" + instance);
    }

    /** As api-service submits: the script in the bucket, then the command signed by the control plane. */
    private static void submit(Servers servers, UUID id, String script) throws Exception {
        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(DATABASE).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(DATABASE).build());
        }
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(DATABASE).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        Properties props = new Properties();
        props.putAll(servers.kafka().client(KafkaPrincipals.API));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(SignedRecords.signed(Topics.named(PREFIX, Topics.EXECUTIONS), new ExecutionSubmitted(id,
                    "project-boot-resume", 1, GridEvents.spec(0.5, 256, 3), StorageKeys.script(id), Map.of(), null,
                    Instant.now()))).get(10, TimeUnit.SECONDS);
        }
    }
}
