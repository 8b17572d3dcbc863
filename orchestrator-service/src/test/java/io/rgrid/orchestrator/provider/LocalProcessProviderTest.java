package io.rgrid.orchestrator.provider;

import io.rgrid.model.agent.RunPidFiles;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.config.RgridConfigTest;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.testinfra.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

class LocalProcessProviderTest {

    @TempDir
    Path dir;

    @Test
    void aMissingAgentJarIsAClearErrorNamingThePathAndTheBuild() {
        Path jar = dir.resolve("nowhere/quarkus-run.jar");
        LocalProcessProvider provider = new LocalProcessProvider(RgridConfigTest.load(Map.of(
                "rgrid.orchestrator.local.agent-jar", jar.toString(),
                "rgrid.orchestrator.local.work-dir", dir.toString())));

        assertThatThrownBy(() -> provider.provision(new CloudProvider.ProvisionRequest("rgrid-worker-aaaaaa", "t")))
                .isInstanceOf(ProvisioningException.class)
                .hasMessageContaining(jar.toString())
                .hasMessageContaining("./mvnw -pl worker-agent")
                .hasMessageContaining("rgrid.orchestrator.local.agent-jar");
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void agentsStartWithTheJvmOptionsFilePackagedNextToTheirJar() throws Exception {
        Path jar = dir.resolve("quarkus-app/quarkus-run.jar");
        Files.createDirectories(jar.getParent());
        assertThat(LocalAgentLaunch.agentCommand(jar)).hasSize(3).endsWith("-jar", jar.toString());

        Files.writeString(jar.resolveSibling("jvm.options"), "-Xmx48m\n");
        assertThat(LocalAgentLaunch.agentCommand(jar)).hasSize(4)
                .containsSubsequence("@" + jar.resolveSibling("jvm.options").toAbsolutePath(), "-jar", jar.toString());
    }

    @Test
    void agentsGetIdentityAddressKafkaWithTheirOwnLoginAndExtraEnvironmentButNoStoreKey() {
        RgridConfig config = RgridConfigTest.load(Map.of(
                "rgrid.kafka.bootstrap-servers", "k:9092",
                "rgrid.kafka.topic-prefix", "p.",
                "rgrid.kafka.ca-file", "/grid/ca.pem",
                "rgrid.kafka.password", "orchestrator-password",
                "rgrid.storage.endpoint", "http://s3:9000",
                "rgrid.storage.access-key", "ak",
                "rgrid.storage.secret-key", "sk",
                "rgrid.storage.bucket", "b",
                "rgrid.orchestrator.local.agent-env.RGRID_WORKER_HEARTBEAT_INTERVAL", "2s"));
        Map<String, String> env = new LocalAgentLaunch(config)
                .agentEnvironment(new CloudProvider.ProvisionRequest("rgrid-worker-aaaaaa", "tok")
                        .withKafkaLogin(new WorkerLogin("rgrid-worker-aaaaaa", "its-own-password")), 8007);

        assertThat(env).containsEntry("QUARKUS_HTTP_PORT", "8007")
                .as("loopback only, and no egress rules on a developer's machine (docs/security.md)")
                .containsEntry("QUARKUS_HTTP_HOST", "127.0.0.1")
                .containsEntry("RGRID_WORKER_EGRESS_POLICY", "off")
                .containsEntry("RGRID_WORKER_ID", "rgrid-worker-aaaaaa")
                .containsEntry("RGRID_WORKER_TOKEN", "tok")
                .containsEntry("RGRID_WORKER_ADVERTISED_ADDRESS", "http://127.0.0.1:8007")
                .containsEntry("RGRID_KAFKA_BOOTSTRAP_SERVERS", "k:9092")
                .containsEntry("RGRID_KAFKA_TOPIC_PREFIX", "p.")
                .as("the worker's own Kafka login, never the orchestrator's")
                .containsEntry("RGRID_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("RGRID_KAFKA_USERNAME", "rgrid-worker-aaaaaa")
                .containsEntry("RGRID_KAFKA_PASSWORD", "its-own-password")
                .containsEntry("RGRID_KAFKA_CA_FILE", "/grid/ca.pem")
                .doesNotContainValue("orchestrator-password")
                .containsEntry("RGRID_WORKER_HEARTBEAT_INTERVAL", "2s")
                .doesNotContainValue("ak").doesNotContainValue("sk");
        assertThat(env.keySet()).noneMatch(LocalAgentLaunch::withheldFromAgents);
    }

    @ParameterizedTest
    @CsvSource({
            "RGRID_STORAGE_SECRET_KEY, true", "RGRID_STORAGE_ACCESS_KEY, true", "RGRID_STORAGE_ENDPOINT, true",
            "MINIO_SECRET_KEY, true", "MINIO_ROOT_PASSWORD, true", "RGRID_KAFKA_BOOTSTRAP_SERVERS, false",
            "RGRID_WORKER_TOKEN, false", "PATH, false", "XMINIO_SECRET_KEY, false",
            "RGRID_REPORTS_SIGNING_KEY, true", "RGRID_REPORTS_SIGNING_KEY_FILE, false"})
    void theOrchestratorsStoreSettingsAndSigningKeyAreNotInherited(String name, boolean withheld) {
        assertThat(LocalAgentLaunch.withheldFromAgents(name)).isEqualTo(withheld);
    }

    @Test
    void aStoppedProviderStartsNothing() {
        LocalProcessProvider provider = new LocalProcessProvider(RgridConfigTest.load(Map.of()));
        provider.close();
        assertThatThrownBy(() -> provider.provision(new CloudProvider.ProvisionRequest("rgrid-worker-aaaaaa", "t")))
                .hasMessageContaining("stopped");
    }

    @Test
    void agentsLeftByAKilledOrchestratorAreAdoptedOthersForgotten() throws Exception {
        Path jar = fakeAgentJar();
        Map<String, String> settings = fakeAgentGrid(jar);
        // A process whose command line names the agent jar stands in for a left agent.
        Process left = new ProcessBuilder("sh", "-c", "sleep 60", jar.toString()).start();
        try {
            pidFile("rgrid-worker-live01", left.pid(), "k\\:9092|");
            pidFile("rgrid-worker-dead01", Long.MAX_VALUE / 2, "k\\:9092|");
            pidFile("rgrid-worker-other1", ProcessHandle.current().pid(), "k\\:9092|"); // alive, not an agent
            pidFile("rgrid-worker-grid02", left.pid(), "elsewhere\\:9092|"); // another grid's

            LocalProcessProvider provider = new LocalProcessProvider(RgridConfigTest.load(settings));

            assertThat(provider.list()).extracting(ProvisionedServer::workerId).containsExactly("rgrid-worker-live01");
            assertThat(dir.resolve("rgrid-worker-dead01.pid")).doesNotExist();
            assertThat(dir.resolve("rgrid-worker-other1.pid")).doesNotExist();
            assertThat(dir.resolve("rgrid-worker-grid02.pid")).exists();
            provider.terminate("rgrid-worker-live01");
            assertThat(left.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(dir.resolve("rgrid-worker-live01.pid")).doesNotExist();
        } finally {
            left.destroyForcibly();
        }
    }

    @Test
    void aStandbyLearnsTheAgentsItsLeaderStartedWhenItTakesOverAndLeavesThemRunningWhenItStopsFirst() throws Exception {
        Path jar = fakeAgentJar();
        Map<String, String> settings = fakeAgentGrid(jar);
        LocalProcessProvider standby = new LocalProcessProvider(RgridConfigTest.load(settings));
        // The leader starts an agent after the standby's start: its pid file is all the standby can see.
        Process started = new ProcessBuilder("sh", "-c", "sleep 60", jar.toString()).start();
        try {
            pidFile("rgrid-worker-late01", started.pid(), "k\\:9092|");
            assertThat(standby.list()).as("a standby adopts only at its start").isEmpty();

            standby.takeOver();
            assertThat(standby.list()).extracting(ProvisionedServer::workerId).containsExactly("rgrid-worker-late01");

            LocalProcessProvider secondStandby = new LocalProcessProvider(RgridConfigTest.load(settings));
            secondStandby.closeKeepingWorkers();
            assertThat(started.waitFor(2, TimeUnit.SECONDS)).as("a standby's stop ends none of the leader's agents")
                    .isFalse();
            assertThat(dir.resolve("rgrid-worker-late01.pid")).exists();
        } finally {
            started.destroyForcibly();
        }
    }

    /** A file named like the agent jar: a process naming it on its command line passes for an agent. */
    private Path fakeAgentJar() throws Exception {
        Path jar = dir.resolve("agent.jar");
        Files.writeString(jar, "not really a jar");
        return jar;
    }

    /** A local grid with that jar, the test's work dir and Kafka {@code k:9092} (grid tag {@code k\:9092|}). */
    private Map<String, String> fakeAgentGrid(Path jar) {
        return Map.of(
                "rgrid.orchestrator.local.agent-jar", jar.toString(),
                "rgrid.orchestrator.local.work-dir", dir.toString(),
                "rgrid.orchestrator.local.stop-grace-period", "2s",
                "rgrid.kafka.bootstrap-servers", "k:9092");
    }

    private void pidFile(String workerId, long pid, String grid) throws Exception {
        Files.writeString(dir.resolve(workerId + LocalPidFiles.PID_SUFFIX),
                "pid=" + pid + "\nport=8002\nstarted=2026-11-26T10:00:00Z\ngrid=" + grid + "\n");
    }

    @Test
    void processesADeadAgentLeftRunningAreKilledFromItsPidFiles() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc", "self")), "needs /proc");
        String workerId = "rgrid-worker-zzleft";
        Path agentWork = dir.resolve("agent-work");
        LocalProcessProvider provider = new LocalProcessProvider(RgridConfigTest.load(Map.of(
                "rgrid.orchestrator.local.work-dir", dir.toString(),
                "rgrid.orchestrator.local.agent-env.RGRID_WORKER_WORK_DIR", agentWork.toString())));
        Path runDir = Files.createDirectories(agentWork.resolve("run-1"));
        // What the process runtime of an agent killed with kill -9 leaves: a script in its own
        // session with a child, and the pid file naming it.
        Process script = new ProcessBuilder("setsid", "python3", "-c", """
                import subprocess, sys, time
                child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])
                open('child.pid', 'w').write(str(child.pid))
                time.sleep(300)
                """).directory(runDir.toFile()).redirectErrorStream(true)
                .redirectOutput(runDir.resolve("out.txt").toFile()).start();
        try {
            Path childFile = runDir.resolve("child.pid");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.exists(childFile) && !Files.readString(childFile).isBlank());
            long child = Long.parseLong(Files.readString(childFile).trim());
            Path pidFile = RunPidFiles.write(RunPidFiles.dir(agentWork, workerId), workerId, "run-1", script.pid(),
                    RunPidFiles.startTime(script.pid()).orElseThrow(), runDir,
                    Map.of("io.rgrid.execution-id", "e-1"));

            provider.stopLeftovers(workerId);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !Processes.running(script.pid()) && !Processes.running(child));
            assertThat(pidFile).doesNotExist();
        } finally {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
            provider.close();
        }
    }
}
