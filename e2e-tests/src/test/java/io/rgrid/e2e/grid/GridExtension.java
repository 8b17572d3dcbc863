package io.rgrid.e2e.grid;

import io.rgrid.testinfra.Requirements;
import io.rgrid.testinfra.SharedServers;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gives every chaos and security test class the same {@link KillableGrid} (started by the first
 * class that asks, stopped once the whole test run ends), so the secrets check at the end can
 * search every log and event all of them produced. Needs Docker: without an engine it skips
 * loudly, except in CI, where it fails.
 */
public final class GridExtension implements ParameterResolver {

    /** What the root store keeps: the grid and the Docker event recorder, closed at the end of the run. */
    public record Running(KillableGrid grid, DockerEvents docker) implements AutoCloseable {
        @Override
        public void close() {
            try {
                grid.close();
            } finally {
                docker.close();
                Containers.removeAll(grid);
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == KillableGrid.class || type == Running.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        Running running = running(extension);
        return parameter.getParameter().getType() == Running.class ? running : running.grid();
    }

    public static Running running(ExtensionContext extension) {
        requireDocker();
        return extension.getRoot().getStore(ExtensionContext.Namespace.create(GridExtension.class))
                .computeIfAbsent(Running.class, ignored -> start(), Running.class);
    }

    private static Running start() {
        Path dir = SharedServers.repoRoot().resolve("e2e-tests").resolve("target").resolve("chaos-grid");
        try {
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DockerEvents docker = DockerEvents.record(dir.resolve("docker-events.jsonl"));
        long started = System.nanoTime();
        KillableGrid grid = KillableGrid.start(dir);
        System.out.printf("[grid] started in %.1f s: api %s, data %s%n", (System.nanoTime() - started) / 1e9, grid.apiUrl(), dir);
        return new Running(grid, docker);
    }

    private static void requireDocker() {
        Requirements.docker(Containers.engineAnswers() ? Optional.empty()
                : Optional.of("no Docker engine answered: the chaos and security suites need one"));
    }
}
