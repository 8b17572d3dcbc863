package io.rgrid.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Not a test: the package-time step that makes the CLI's ahead-of-time cache (cli/pom.xml,
 * surefire execution {@code aot-cache}, after the jar and lib/ exist; it runs with -DskipTests
 * too). It runs {@code src/build/aot-cache.sh} with the JDK the build runs on, its output in
 * target/aot-cache.log, as the launcher would. A JDK that cannot make a cache leaves none and
 * fails nothing (the script exits 0 then); only a script that cannot run fails the build.
 */
class PackagedAotCache {

    @Test
    void makeTheCache() throws Exception {
        assumeTrue(Boolean.getBoolean("rgrid.cli.packaged"), "runs in the package phase (execution 'aot-cache')");
        Path target = Path.of(System.getProperty("build.repo.root"), "cli", "target");
        assumeTrue(Files.isRegularFile(target.resolve("rgrid-cli.jar")), "no packaged jar");
        Path log = target.resolve("aot-cache.log");
        Process process = new ProcessBuilder(List.of("bash", target.resolveSibling("src/build/aot-cache.sh").toString(),
                System.getProperty("java.home"), target.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("the training run ends").isTrue();
        assertThat(process.exitValue()).as(Files.readString(log)).isZero();
    }
}
