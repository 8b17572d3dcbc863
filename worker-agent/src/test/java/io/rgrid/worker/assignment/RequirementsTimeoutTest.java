package io.rgrid.worker.assignment;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.api.Auth;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Requirements;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.testing.PresignedAssignments;
import io.rgrid.worker.testing.ScriptStore;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * requirements.txt has its own time limit (rgrid.worker.requirements-timeout, 3 s here): a pip
 * install that hangs is killed at it, the attempt fails REQUIREMENTS_FAILED and the script never
 * runs. The hang is real and needs no network: an sdist (shipped as an input, found with
 * --find-links) whose in-tree build backend sleeps for ten minutes.
 */
@QuarkusTest
@TestProfile(RequirementsTimeoutTest.ShortRequirementsLimit.class)
class RequirementsTimeoutTest {

    @Inject
    AgentIdentity identity;

    /**
     * The shared Kafka and S3 of namespace "worker" like AgentApiTest, set here rather than by
     * SharedServersResource: that one also creates a database, and the JDBC driver is not
     * reachable from a second Quarkus boot of this module (which has no database).
     */
    public static class ShortRequirementsLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            var servers = SharedServers.get();
            TestKafka.createTopics(servers.kafka(), "worker.");
            Map<String, String> config = new HashMap<>(servers.kafka().serviceConfig(KafkaPrincipals.WORKER));
            config.putAll(Map.of("rgrid.worker.requirements-timeout", "3s",
                    "rgrid.kafka.topic-prefix", "worker.",
                    "rgrid.storage.endpoint", servers.s3Endpoint(),
                    "rgrid.storage.access-key", servers.s3AccessKey(),
                    "rgrid.storage.secret-key", servers.s3SecretKey(),
                    "rgrid.storage.bucket", "worker"));
            return config;
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @ConfigProperty(name = "rgrid.worker.token")
    String token;
    @ConfigProperty(name = "rgrid.storage.bucket")
    String bucket;
    @ConfigProperty(name = "rgrid.kafka.topic-prefix")
    String topicPrefix;

    @Test
    void aHangingInstallIsKilledAtItsLimitAndTheScriptDoesNotRun() throws Exception {
        String runtime = given().header(Auth.HEADER, Auth.header(token)).get(AgentApi.HEALTH).then().statusCode(200)
                .extract().path("runtime");
        if ("process".equals(runtime)) {
            Requirements.pip(); // the process runtime installs requirements with the host's python3
        }
        var servers = SharedServers.get();
        MinioClient s3 = ScriptStore.connect(servers, bucket).client();
        UUID id = Ids.newExecutionId();
        String sdist = "rgridslow-1.0.zip";
        put(s3, StorageKeys.script(id), "print('the script ran')\n".getBytes(StandardCharsets.UTF_8));
        put(s3, StorageKeys.input(id, sdist), hangingSdist());
        put(s3, StorageKeys.requirements(id), "rgridslow\n".getBytes(StandardCharsets.UTF_8));
        ExecutionSpec spec = new ExecutionSpec(AgentApiTest.IMAGE, List.of(), Map.of(), 0.5, 256, 120,
                NetworkMode.NONE, 3, Map.of());
        Assignment assignment = new PresignedAssignments(servers, bucket, identity.workerId()).of(id, "p", 1, spec,
                Map.of(sdist, StorageKeys.input(id, sdist)), StorageKeys.requirements(id));

        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(servers.kafka().admin(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "worker-req-timeout-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topicPrefix + "rgrid.execution-status.v1"));
            long posted = System.nanoTime();
            given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON)
                    .body(Json.mapper().writeValueAsString(assignment)).post(AgentApi.ASSIGNMENTS)
                    .then().statusCode(202);
            ExecutionStatusChanged terminal = null;
            while (terminal == null && System.nanoTime() - posted < Duration.ofSeconds(90).toNanos()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    var event = EventCodec.decode(record.value());
                    if (event.isPresent() && event.get().payload() instanceof ExecutionStatusChanged s
                            && s.executionId().equals(id) && s.state().isTerminal()) {
                        terminal = s;
                    }
                }
            }
            assertThat(terminal).as("a terminal report well before the backend's 10 min sleep").isNotNull();
            String log = read(s3, StorageKeys.log(id, 1, terminal.run()));
            assertThat(terminal.state()).as(log).isEqualTo(ExecutionState.FAILED);
            assertThat(terminal.reason()).isEqualTo(FailureReason.REQUIREMENTS_FAILED);
            assertThat(terminal.message()).isEqualTo("installing requirements.txt took longer than its limit of 3 s");
            assertThat(log).contains("[rgrid] installing requirements.txt (time limit 3 s)")
                    .contains("[rgrid] installing requirements.txt took longer than its limit of 3 s")
                    .doesNotContain("the script ran");
        }
    }

    /**
     * An sdist whose PEP 517 backend lives in the archive itself (backend-path, no build
     * requirements, so pip needs no index to set it up) and sleeps in every hook.
     */
    static byte[] hangingSdist() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("rgridslow-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: rgridslow\nVersion: 1.0\n");
        files.put("rgridslow-1.0/pyproject.toml", """
                [build-system]
                requires = []
                build-backend = "slowbackend"
                backend-path = ["."]
                """);
        files.put("rgridslow-1.0/slowbackend.py", """
                import time

                def _hang(*args, **kwargs):
                    time.sleep(600)
                    raise RuntimeError('still building')

                get_requires_for_build_wheel = _hang
                prepare_metadata_for_build_wheel = _hang
                build_wheel = _hang
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private void put(MinioClient s3, String key, byte[] bytes) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
    }

    private String read(MinioClient s3, String key) throws Exception {
        try (var in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
