package io.rgrid.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher ({@code ./rgrid}) with the CLI's ahead-of-time cache ({@code cli/src/build/aot-cache.sh}):
 * the JDK that made it uses it; another JDK or a damaged cache start the CLI without it, and
 * without a word (JDK 25 prints a damaged cache as an error, which the launcher keeps quiet); a
 * jar rebuilt after it gets a new one from the launcher, quietly. Runs after the package
 * phase (the {@code launcher} execution in cli's pom), on a copy of the packaged CLI in a
 * temporary RGRID_HOME, so it never touches the build's own cache.
 */
class LauncherCacheIT {

    private static final String[] OTHER_ARTIFACTS = {
            "local-grid/target/local-grid.jar",
            "api-service/target/quarkus-app/quarkus-run.jar",
            "orchestrator-service/target/quarkus-app/quarkus-run.jar",
            "worker-agent/target/quarkus-app/quarkus-run.jar"};

    @TempDir
    static Path home;

    private static Path target;
    private static byte[] cacheBytes;
    private static String stamp;
    private static FileTime jarTime;
    private static final String JAVA_HOME = System.getProperty("java.home");

    @BeforeAll
    static void makeHomeAndCache() throws Exception {
        assumeTrue(Boolean.getBoolean("rgrid.cli.packaged"), "runs after the package phase (execution 'launcher')");
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+; this JVM is " + Runtime.version());
        Path repo = Path.of(System.getProperty("build.repo.root"));
        Path built = repo.resolve("cli/target");
        Files.copy(repo.resolve("rgrid"), home.resolve("rgrid"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("cli/src/build"));
        Files.copy(repo.resolve("cli/src/build/aot-cache.sh"), home.resolve("cli/src/build/aot-cache.sh"));
        for (String artifact : OTHER_ARTIFACTS) { // present, so the launcher does not build
            Files.createDirectories(home.resolve(artifact).getParent());
            Files.createFile(home.resolve(artifact));
        }
        target = home.resolve("cli/target");
        Files.createDirectories(target.resolve("lib"));
        Files.copy(built.resolve("rgrid-cli.jar"), target.resolve("rgrid-cli.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        try (Stream<Path> libs = Files.list(built.resolve("lib"))) {
            for (Path lib : libs.toList()) {
                Files.copy(lib, target.resolve("lib").resolve(lib.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Result made = exec(List.of("bash", repo.resolve("cli/src/build/aot-cache.sh").toString(), JAVA_HOME,
                target.toString()), Map.of());
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
        Result plain = rgridHelp(Map.of());
        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out()).contains("Usage: rgrid");
        assertThat(plain.err()).isEmpty();
        // AOTMode=on: the JVM refuses to start unless it can use the cache it was given.
        Result strict = rgridHelp(Map.of("_JAVA_OPTIONS", "-XX:AOTMode=on -Xlog:aot=info:stderr"));
        assertThat(strict.code()).as(strict.toString()).isZero();
        assertThat(strict.out()).contains("Usage: rgrid");
        assertThat(strict.err()).contains("Opened AOT cache " + cache());
    }

    @Test
    void anotherJdkStartsWithoutTheCache() throws Exception {
        Files.writeString(stampFile(), "JAVA_RUNTIME_VERSION=\"21.0.1+12-LTS\"\nIMPLEMENTOR=\"Someone\"\n");
        Result plain = rgridHelp(Map.of());
        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out()).contains("Usage: rgrid");
        assertThat(plain.err()).isEmpty();
        // The JVM's own account (_JAVA_OPTIONS come after the launcher's options): no cache of ours was opened.
        Result logged = rgridHelp(Map.of("_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
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
        Result run = rgridHelp(Map.of());
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Usage: rgrid");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aJarRebuiltAfterTheCacheGetsANewOneQuietly() throws Exception {
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(cache(), FileTime.fromMillis(now - 120_000));
        Files.deleteIfExists(target.resolve("aot-cache.log")); // no try for this build yet
        FileTime rebuilt = FileTime.fromMillis(now - 60_000);
        Files.setLastModifiedTime(target.resolve("rgrid-cli.jar"), rebuilt);
        Result run = rgridHelp(Map.of());
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Usage: rgrid");
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
    void offUnlessAskedFor() throws Exception {
        Files.deleteIfExists(target.resolve("aot-cache.log"));
        Files.setLastModifiedTime(target.resolve("rgrid-cli.jar"), FileTime.fromMillis(System.currentTimeMillis()));
        Result logged = rgridHelp(Map.of("RGRID_CLI_AOT", "", "_JAVA_OPTIONS", "-Xlog:aot=info:stderr"));
        assertThat(logged.code()).as(logged.toString()).isZero();
        assertThat(logged.out()).contains("Usage: rgrid");
        assertThat(logged.err()).doesNotContain(cache().toString());
        assertThat(target.resolve("aot-cache.log")).as("no training run either").doesNotExist();
    }

    /** {@code rgrid --help} with the cache asked for (RGRID_CLI_AOT=1) unless {@code env} says otherwise. */
    private static Result rgridHelp(Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>();
        all.put("RGRID_CLI_AOT", "1");
        all.putAll(env);
        all.put("JAVA_HOME", JAVA_HOME);
        return exec(List.of(home.resolve("rgrid").toString(), "--help"), all);
    }

    private static Result exec(List<String> command, Map<String, String> env) throws Exception {
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().remove("_JAVA_OPTIONS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 120 s");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
