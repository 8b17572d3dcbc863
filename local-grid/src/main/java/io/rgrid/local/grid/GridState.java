package io.rgrid.local.grid;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.rgrid.model.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What a running local grid publishes about itself in {@code grid.json}: the supervisor's
 * phase (STARTING, READY, STOPPING, FAILED), a progress message, and where everything is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GridState(
        String phase,
        String message,
        long supervisorPid,
        String apiUrl,
        String orchestratorUrl,
        Integer postgresPort,
        String kafkaBootstrap,
        String s3Endpoint,
        String logsDir,
        String runtime) {

    public static final String FILE = "grid.json";

    public static GridState starting(long pid, String message) {
        return new GridState("STARTING", message, pid, null, null, null, null, null, null, null);
    }

    public GridState with(String phase, String message) {
        return new GridState(phase, message, supervisorPid, apiUrl, orchestratorUrl, postgresPort, kafkaBootstrap,
                s3Endpoint, logsDir, runtime);
    }

    public static GridState read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            return Files.exists(file) ? Json.mapper().readValue(file.toFile(), GridState.class) : null;
        } catch (IOException e) {
            return null; // being rewritten, or left half-written by a crash: treat as unknown
        }
    }

    public void write(Path dataDir) throws IOException {
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Json.mapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public boolean supervisorAlive() {
        return ProcessHandle.of(supervisorPid).map(ProcessHandle::isAlive).orElse(false);
    }
}
