package io.rgrid.cli;

import io.rgrid.cli.LauncherHome.Result;

import picocli.CommandLine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

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
        // picocli as Maven Central ships it (Java 5 class files), not the build's upgraded copy:
        // the script below must upgrade it (ClassFileUpgrade.java).
        Path published = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.copy(published, picocliJar(), StandardCopyOption.REPLACE_EXISTING);
        assertThat(oldestClassFile(picocliJar())).as("Maven's picocli jar holds Java 5 class files").isEqualTo(49);
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

    /**
     * The script's first step: picocli's Java 5 class files become Java 8 ones with stack maps, so
     * the JVM verifies them by type checking, and the cache holds them (it never holds a class
     * file older than Java 6). Every class of the rewritten jar loads, verifies and initializes.
     */
    @Test
    void picocliIsUpgradedVerifiedAndServedFromTheCache() throws Exception {
        assertThat(oldestClassFile(picocliJar())).as("the upgraded jar's oldest class file").isEqualTo(52);
        int classes = 0;
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {picocliJar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
             JarFile jar = new JarFile(picocliJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.endsWith(".class") && !name.startsWith("META-INF/")) {
                    Class<?> type = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), true, isolated);
                    assertThat(type.getClassLoader()).isSameAs(isolated);
                    classes++;
                }
            }
        }
        assertThat(classes).isGreaterThan(100);

        Path loaded = home.resolve("class-load.log");
        Result run = launcher.rgrid(List.of("version"),
                Map.of("_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + loaded));
        assertThat(run.code()).as(run.toString()).isZero();
        List<String> picocli = Files.readAllLines(loaded).stream().filter(l -> l.contains(" picocli.")).toList();
        assertThat(picocli).as("picocli's classes were loaded").isNotEmpty();
        assertThat(picocli).as("every one from the cache").allMatch(l -> l.contains("source: shared objects file"));
    }

    private static Path picocliJar() {
        return target.resolve("lib").resolve("picocli-" + CommandLine.VERSION + ".jar");
    }

    /** The lowest class-file major version among the jar's classes (bytes 6-7 of each). */
    private static int oldestClassFile(Path jarFile) throws IOException {
        int oldest = Integer.MAX_VALUE;
        try (JarFile jar = new JarFile(jarFile.toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        byte[] head = in.readNBytes(8);
                        oldest = Math.min(oldest, ((head[6] & 0xff) << 8) | (head[7] & 0xff));
                    }
                }
            }
        }
        return oldest;
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
