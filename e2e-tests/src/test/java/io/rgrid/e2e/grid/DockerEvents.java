package io.rgrid.e2e.grid;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Docker Engine's own record of every RGrid run's start and end, streamed by
 * {@code docker events} into a file while the grid runs. It is the evidence for "no execution ran
 * two attempts at the same time": it sees every container, including one whose agent was killed
 * and which therefore never reported anything, with the engine's timestamps.
 *
 * <p>A run's container is named {@code rgrid-<execution id>-<attempt>}. It begins at its
 * {@code start} (a container created for the run) or at its {@code rename} to that name (a warm
 * container the agent started earlier and hands the run to; worker-agent README, "Warm
 * containers"); it ends at its {@code die}. Both are reported here as {@code start} and
 * {@code die}; the waiting containers' own events (named {@code rgrid-warm-…}) are left out.
 */
public final class DockerEvents implements AutoCloseable {

    /** One container's start or death. */
    public record Event(String action, String containerId, String executionId, int attempt, String workerId, long timeNanos) {
    }

    /** The name of a run's container: {@code rgrid-<execution id>-<attempt>}. */
    static final Pattern RUN_NAME = Pattern.compile("rgrid-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\\d+)");

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
                    "--filter", "event=start", "--filter", "event=die", "--filter", "event=rename",
                    "--filter", "label=io.rgrid.worker-id", "--format", "{{json .}}")
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
                Matcher run = RUN_NAME.matcher(attributes.path("name").asText());
                if (!run.matches()) {
                    continue; // a warm container's own start or death, or one that is no run's
                }
                String action = node.path("Action").asText().startsWith("rename") ? "start" : node.path("Action").asText();
                out.add(new Event(action, node.path("id").asText(), run.group(1), Integer.parseInt(run.group(2)),
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
