package io.rgrid.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root, for tests that read the docs and files beside the code. */
final class RepoRoot {

    private RepoRoot() {
    }

    static Path get() {
        String configured = System.getProperty("build.repo.root");
        if (configured != null && Files.exists(Path.of(configured, "docs"))) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/state-machine.md"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
