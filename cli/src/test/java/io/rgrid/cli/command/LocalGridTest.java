package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LocalGridTest {

    @Test
    void runsTheLocalGridJarWithThisJvmAndPassesArgumentsThrough(@TempDir Path home) throws Exception {
        Path jar = home.resolve(LocalGrid.JAR);
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "");
        CliContext context = CliContext.forTest(Map.of("RGRID_HOME", home.toString()), System.out, System.err);

        List<String> command = LocalGrid.command(context, "down", List.of("--purge"));

        assertThat(Path.of(command.get(0))).isEqualTo(Path.of(ProcessHandle.current().info().command().orElseThrow()));
        assertThat(command.subList(1, command.size())).containsExactly("-jar", jar.toString(), "down", "--purge");
    }
}
