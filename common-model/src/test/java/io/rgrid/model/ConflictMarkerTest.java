package io.rgrid.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No tracked text file holds a merge's conflict markers: a half-resolved merge once left two
 * versions of README.md and docs/architecture.md side by side, and nothing noticed.
 */
class ConflictMarkerTest {

    /** The lines git writes around a conflict; "=======" alone is also a Markdown heading rule. */
    private static final Pattern MARKER = Pattern.compile("^(<{7}|>{7}|\\|{7})( .*)?$");

    @Test
    void noTrackedTextFileHoldsConflictMarkers() throws Exception {
        Path root = RepoRoot.get();
        List<Path> files = trackedFiles(root);
        assertThat(files).as("files of the repository").hasSizeGreaterThan(100);
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            found.addAll(markers(root, file));
        }
        assertThat(found).as("conflict markers (resolve the merge: keep what both sides meant)").isEmpty();
    }

    @Test
    void theCheckFindsAMarker() throws Exception {
        Path tmp = Files.createTempDirectory("markers");
        try {
            Path file = Files.writeString(tmp.resolve("README.md"), """
                    # Title
                    =======
                    <<<<<<< HEAD
                    ours
                    =======
                    theirs
                    >>>>>>> wip-branch
                    """);
            assertThat(markers(tmp, file)).containsExactly("README.md:3: <<<<<<< HEAD", "README.md:7: >>>>>>> wip-branch");
        } finally {
            try (Stream<Path> walk = Files.walk(tmp)) {
                walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The marker lines of one file, as {@code path:line: text}; none for a binary file. */
    static List<String> markers(Path root, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < Math.min(bytes.length, 8000); i++) {
            if (bytes[i] == 0) {
                return List.of(); // binary, as git decides it
            }
        }
        List<String> found = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (MARKER.matcher(lines[i]).matches()) {
                found.add(root.relativize(file) + ":" + (i + 1) + ": " + lines[i]);
            }
        }
        return found;
    }

    /** What git tracks; outside a git checkout (a source archive), every file but build output. */
    private static List<Path> trackedFiles(Path root) throws IOException, InterruptedException {
        try {
            Process git = new ProcessBuilder("git", "ls-files", "-z").directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = git.getInputStream().readAllBytes();
            if (git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0) {
                List<Path> files = new ArrayList<>();
                for (String name : new String(out, StandardCharsets.UTF_8).split("\0")) {
                    Path file = root.resolve(name);
                    if (!name.isEmpty() && Files.isRegularFile(file)) {
                        files.add(file);
                    }
                }
                return files;
            }
        } catch (IOException e) {
            // no git here: walk the tree instead
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !root.relativize(p).toString().matches("(.*/)?(target|\\.git|node_modules)/.*"))
                    .toList();
        }
    }
}
