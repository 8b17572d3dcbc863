package io.rgrid.cli;

import io.rgrid.cli.LauncherHome.Result;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher ({@code ./rgrid}) with the CLI's ahead-of-time cache ({@code cli/src/build/aot-cache.sh}):
 * the JDK that made it uses it; another JDK or a damaged cache start the CLI without it, and
 * without a word (JDK 25 prints a damaged cache as an error, which the launcher keeps quiet); a
 * jar rebuilt after it gets a new one from the launcher, quietly; a missing cache (a JDK that could
 * not make one) starts the CLI without one; the cache is on by default and {@code RGRID_CLI_AOT=0}
 * turns it off. Runs after the package
 * phase (the {@code launcher} execution in cli's pom), on a copy of the packaged CLI in a
 * temporary RGRID_HOME, so it never touches the build's own cache.
 */
class LauncherCacheIT {

    @TempDir
    static Path home;

    private static LauncherHome launcher;
    private static Path target;
    private static byte[] cacheBytes;
    private static String stamp;
    private static FileTime jarTime;
    private static final String JAVA_HOME = System.getProperty("java.home");

    @BeforeAll
    static void makeHomeAndCache() throws Exception {
        assumeTrue(Boolean.getBoolean("rgrid.cli.packaged"), "runs after the package phase (execution 'launcher')");
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+; this JVM is " + Runtime.version());
        launcher = LauncherHome.copy(home, false);
        target = launcher.target();
        Result made = launcher.exec(List.of("bash", LauncherHome.repo().resolve("cli/src/build/aot-cache.sh").toString(),
                JAVA_HOME, target.toString()), Map.of());
        assertThat(made.code()).as(made.toString()).isZero();
        cacheBytes = Files.readAllBytes(cache());
        stamp = Files.readString(stampFile());
        jarTime = Files.getLastModifiedTime(target.resolve("rgrid-cli.jar"));
    }

    @BeforeEach
    void pristine() throws IOException {
        Files.write(cache(), cacheBytes);
        Files.writeString(stampFile(), stamp);
        Files.setLastModifiedTime(target.resolve("rgrid-cli.jar"), jarTime);
    }

    @Test
    void theBuildsJdkUsesTheCache() throws Exception {
        assertThat(stamp).contains("JAVA_RUNTIME_VERSION=");
        Result plain = rgridJvm(Map.of());
        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out()).startsWith("rgrid ");
        assertThat(plain.err()).isEmpty();
        // AOTMode=on: the JVM refuses to start unless it can use the cache it was given.
        Result strict = rgridJvm(Map.of("_JAVA_OPTIONS", "-XX:AOTMode=on -Xlog:aot=info:stderr"));
        assertThat(strict.code()).as(strict.toString()).isZero();
        assertThat(strict.out()).startsWith("rgrid ");
        assertThat(strict.err()).contains("Opened AOT cache " + cache());
    }

    @Test
    void anotherJdkStartsWithoutTheCache() throws Exception {
        Files.writeString(stampFile(), "JAVA_RUNTIME_VERSION=\"21.0.1+12-LTS\"\nIMPLEMENTOR=\"Someone\"\n");
        Result plain = rgridJvm(Map.of());
        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out()).startsWith("rgrid ");
        assertThat(plain.err()).isEmpty();
        // The JVM's own account (_JAVA_OPTIONS come after the launcher's options): no cache of ours was opened.
        Result logged = rgridJvm(Map.of("_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
        assertThat(logged.code()).as(logged.toString()).isZero();
        assertThat(logged.err()).doesNotContain(cache().toString());
    }

    @Test
    void aDamagedCacheIsDroppedQuietly() throws Exception {
        byte[] damaged = cacheBytes.clone();
        for (int i = 0; i < Math.min(4096, damaged.length); i++) {
            damaged[i] = (byte) 0x5a;
        }
        Files.write(cache(), damaged);
        Result run = rgridJvm(Map.of());
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("rgrid ");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aJarRebuiltAfterTheCacheGetsANewOneQuietly() throws Exception {
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(cache(), FileTime.fromMillis(now - 120_000));
        Files.deleteIfExists(target.resolve("aot-cache.log")); // no try for this build yet
        FileTime rebuilt = FileTime.fromMillis(now - 60_000);
        Files.setLastModifiedTime(target.resolve("rgrid-cli.jar"), rebuilt);
        Result run = rgridJvm(Map.of());
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("rgrid ");
        assertThat(run.err()).isEmpty();
        assertThat(Files.getLastModifiedTime(cache()).compareTo(rebuilt)).as("a new cache").isPositive();
    }

    private static Path cache() {
        return target.resolve("rgrid-cli.aot");
    }

    private static Path stampFile() {
        return target.resolve("rgrid-cli.aot.jdk");
    }

    @Test
    void aMissingCacheStartsWithoutOneQuietly() throws Exception {
        Files.delete(cache());
        Files.delete(stampFile());
        // This build had its try (a JDK that could not make one): the launcher does not train again.
        Files.writeString(target.resolve("aot-cache.log"), "aot-cache: no cache\n");
        Files.setLastModifiedTime(target.resolve("aot-cache.log"), FileTime.fromMillis(System.currentTimeMillis()));
        Result logged = rgridJvm(Map.of("_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
        assertThat(logged.code()).as(logged.toString()).isZero();
        assertThat(logged.out()).startsWith("rgrid ");
        assertThat(logged.err()).doesNotContain(cache().toString());
        assertThat(rgridJvm(Map.of()).err()).isEmpty();
        assertThat(cache()).as("no training run").doesNotExist();
    }

    @Test
    void onByDefaultOffWithRgridCliAot0() throws Exception {
        Result on = rgridJvm(Map.of("_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
        assertThat(on.err()).contains("Opened AOT cache " + cache());
        Files.deleteIfExists(target.resolve("aot-cache.log"));
        Files.setLastModifiedTime(target.resolve("rgrid-cli.jar"), FileTime.fromMillis(System.currentTimeMillis()));
        Result logged = rgridJvm(Map.of("RGRID_CLI_AOT", "0", "_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
        assertThat(logged.code()).as(logged.toString()).isZero();
        assertThat(logged.out()).startsWith("rgrid ");
        assertThat(logged.err()).doesNotContain(cache().toString());
        assertThat(target.resolve("aot-cache.log")).as("no training run either").doesNotExist();
    }

    /**
     * {@code rgrid --version} with the launcher's defaults, and {@code env} added: a command line
     * the CLI itself always answers (the launcher prints stored help texts without Java).
     */
    private static Result rgridJvm(Map<String, String> env) throws Exception {
        return launcher.rgrid(List.of("--version"), env);
    }
}
