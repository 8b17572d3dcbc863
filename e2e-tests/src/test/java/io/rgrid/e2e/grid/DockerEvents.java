package io.rgrid.e2e.grid;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Docker Engine's own record of every RGrid container's start and death, streamed by
 * {@code docker events} into a file while the grid runs. It is the evidence for "no execution ran
 * two attempts at the same time": it sees every container, including one whose agent was killed
 * and which therefore never reported anything, with the engine's timestamps.
 */
public final class DockerEvents implements AutoCloseable {

    /** One container's start or death. */
    public record Event(String action, String containerId, String executionId, int attempt, String workerId, long timeNanos) {
    }

    private final Process process;
    private final Path file;

    private DockerEvents(Process process, Path file) {
        this.process = process;
        this.file = file;
    }

    public static DockerEvents record(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Process process = new ProcessBuilder("docker", "events", "--filter", "type=container",
                    "--filter", "event=start", "--filter", "event=die",
                    "--filter", "label=io.rgrid.execution-id", "--format", "{{json .}}")
                    .redirectOutput(file.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(file.resolveSibling("docker-events.err").toFile()))
                    .start();
            return new DockerEvents(process, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run docker events: " + e.getMessage(), e);
        }
    }

    /** Everything recorded so far. */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = Api.JSON.readTree(line);
                JsonNode attributes = node.path("Actor").path("Attributes");
                out.add(new Event(node.path("Action").asText(), node.path("id").asText(),
                        attributes.path("io.rgrid.execution-id").asText(), attributes.path("io.rgrid.attempt").asInt(-1),
                        attributes.path("io.rgrid.worker-id").asText(), node.path("timeNano").asLong()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
    }
}
