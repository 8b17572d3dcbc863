package io.rgrid.testinfra.arch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The size rule itself, on a source tree written for the test: the limit is inclusive, exemptions are by class name. */
class ClassSizeTest {

    @TempDir
    Path sources;

    @Test
    void listsFilesOverTheLimitLargestFirstAndLeavesExemptOnesOut() throws IOException {
        write("io/rgrid/x/AtLimit.java", ClassSize.MAX_LINES);
        write("io/rgrid/x/JustOver.java", ClassSize.MAX_LINES + 1);
        write("io/rgrid/x/deep/FarOver.java", ClassSize.MAX_LINES + 200);
        write("io/rgrid/x/Config.java", ClassSize.MAX_LINES + 300);
        write("io/rgrid/x/notes.txt", ClassSize.MAX_LINES + 300);

        assertThat(ClassSize.oversized(sources, Set.of("io.rgrid.x.Config")::contains)).containsExactly(
                new ClassSize.Oversized("io.rgrid.x.deep.FarOver", ClassSize.MAX_LINES + 200),
                new ClassSize.Oversized("io.rgrid.x.JustOver", ClassSize.MAX_LINES + 1));
    }

    @Test
    void aMissingSourceDirectoryFailsRatherThanPassing() {
        assertThatThrownBy(() -> ClassSize.oversized(sources.resolve("absent"), name -> false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no source directory");
    }

    private void write(String path, int lines) throws IOException {
        Path file = sources.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "//\n".repeat(lines));
    }
}
