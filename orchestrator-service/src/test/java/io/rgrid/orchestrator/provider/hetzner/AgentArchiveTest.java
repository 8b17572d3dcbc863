package io.rgrid.orchestrator.provider.hetzner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tar.gz the SSH bootstrap pushes: a distribution with its runtime ({@code java/bin/java},
 * infra/package.sh) must arrive runnable, so execute bits survive; nothing else becomes executable.
 */
class AgentArchiveTest {

    @Test
    void keepsExecuteBitsOfTheRuntimeAndNothingElse(@TempDir Path dir) throws IOException {
        Path dist = dir.resolve("worker-agent");
        Files.createDirectories(dist.resolve("java/bin"));
        Files.writeString(dist.resolve("quarkus-run.jar"), "jar");
        Files.writeString(dist.resolve("jvm.options"), "-Xmx48m\n");
        Path java = Files.writeString(dist.resolve("java/bin/java"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

        Map<String, Integer> modes = modes(new AgentArchive(dist).file());

        assertThat(modes).containsEntry("java/bin/java", 0755)
                .containsEntry("quarkus-run.jar", 0644)
                .containsEntry("jvm.options", 0644)
                .containsEntry("java/", 0755)
                .containsEntry("java/bin/", 0755);
    }

    /**
     * Since the agent depends on service-platform (SmallRye messaging), its lib/ holds a jar whose
     * own name is longer than ustar's 100 bytes; the bootstrap failed with "path too long".
     */
    @Test
    void keepsPathsLongerThanUstarHoldsAndTarUnpacksThem(@TempDir Path dir) throws Exception {
        Path dist = dir.resolve("worker-agent");
        String longJar = "org.eclipse.microprofile.reactive-streams-operators.microprofile-reactive-streams-operators-api-3.0.1.jar";
        Path deep = dist.resolve("lib/main/" + "d".repeat(120) + "/" + "f".repeat(90) + ".jar");
        Files.createDirectories(deep.getParent());
        Files.writeString(dist.resolve("quarkus-run.jar"), "jar");
        Files.writeString(dist.resolve("lib/main/" + longJar), "long name");
        Files.writeString(deep, "deep");

        Path archive = new AgentArchive(dist).file();
        Path out = Files.createDirectories(dir.resolve("unpacked"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", out.toString())
                .redirectErrorStream(true).start();
        String said = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(tar.waitFor()).as("tar said: %s", said).isZero();
        assertThat(out.resolve("lib/main/" + longJar)).hasContent("long name");
        assertThat(out.resolve(dist.relativize(deep).toString())).hasContent("deep");
        assertThat(out.resolve("quarkus-run.jar")).hasContent("jar");
    }

    @Test
    void paxRecordLengthCountsItsOwnDigits() {
        assertThat(new String(AgentArchive.paxRecord("path", "a"), StandardCharsets.UTF_8)).isEqualTo("9 path=a\n");
        String value = "x".repeat(91); // 98 bytes besides the length: 2 digits would make 100, which has 3
        assertThat(new String(AgentArchive.paxRecord("path", value), StandardCharsets.UTF_8))
                .isEqualTo("101 path=" + value + "\n");
    }

    @Test
    void refusesADirectoryThatIsNoAgentDistribution(@TempDir Path dir) {
        assertThatThrownBy(() -> new AgentArchive(dir).file()).hasMessageContaining("no quarkus-run.jar");
    }

    /** Entry name to mode, read from the ustar headers. */
    private static Map<String, Integer> modes(Path archive) throws IOException {
        Map<String, Integer> modes = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
            while (true) {
                byte[] header = in.readNBytes(512);
                if (header.length < 512 || header[0] == 0) {
                    return modes;
                }
                String name = field(header, 0, 100);
                int mode = Integer.parseInt(field(header, 100, 8).trim(), 8);
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                modes.put(name, mode);
                in.skipNBytes((size + 511) / 512 * 512);
            }
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
