package io.rgrid.orchestrator.provider;

import io.rgrid.orchestrator.config.RgridConfigTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code local} provider passes {@link CloudProviderContract}: its agents are {@link StandInAgent}
 * processes; two grids share one work directory (as two local grids on one host share the default)
 * and differ by their Kafka topic prefix, which is what tells their agents apart.
 */
class LocalProcessProviderContractTest extends CloudProviderContract {

    @TempDir
    Path dir;

    private Path agentJar;

    @BeforeEach
    void buildTheStandInAgent() throws IOException {
        agentJar = StandInAgent.jar(Files.createDirectories(dir.resolve("jar")));
    }

    @Override
    protected CloudProvider newProvider(String grid) {
        return new LocalProcessProvider(RgridConfigTest.load(Map.of(
                "rgrid.orchestrator.local.agent-jar", agentJar.toString(),
                "rgrid.orchestrator.local.work-dir", dir.resolve("workers").toString(),
                "rgrid.orchestrator.local.stop-grace-period", "10s",
                "rgrid.orchestrator.local.agent-env.RGRID_WORKER_CPUS", "2",
                "rgrid.orchestrator.local.agent-env.RGRID_WORKER_MEMORY_MB", "4096",
                "rgrid.kafka.topic-prefix", grid + ".")));
    }

    @Override
    protected CloudProvider newUnableProvider() {
        return new LocalProcessProvider(RgridConfigTest.load(Map.of(
                "rgrid.orchestrator.local.agent-jar", dir.resolve("not-built/quarkus-run.jar").toString(),
                "rgrid.orchestrator.local.work-dir", dir.resolve("workers").toString())));
    }

    /** The stand-in's own pid file in the worker's directory names a live process. */
    @Override
    protected boolean serverExists(String workerId) throws IOException {
        return pid(workerId).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }

    private Optional<Long> pid(String workerId) throws IOException {
        Path file = dir.resolve("workers").resolve(workerId).resolve(StandInAgent.PID_FILE);
        return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).trim())) : Optional.empty();
    }

    /** Whatever a failing test left running is ended here, by its pid. */
    @AfterEach
    void endStandIns() throws IOException {
        Path workers = dir.resolve("workers");
        if (!Files.isDirectory(workers)) {
            return;
        }
        try (var dirs = Files.list(workers)) {
            for (Path worker : dirs.filter(Files::isDirectory).toList()) {
                pid(worker.getFileName().toString()).flatMap(ProcessHandle::of)
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
