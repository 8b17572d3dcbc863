package io.rgrid.orchestrator.provider.hetzner;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The worker-agent distribution (a {@code quarkus-app} directory) as one tar.gz, so the SSH
 * bootstrap sends one file over SFTP instead of hundreds. Built on first use into a temporary
 * file and rebuilt when the directory changes (an upgrade of the control plane), then reused for
 * every server. Plain ustar, unpacked on the worker by {@code tar -xzf}. The distribution that
 * {@code infra/package.sh} makes carries the agent's Java runtime in {@code java/}: executable
 * files keep their execute bits (0755), everything else is 0644.
 */
final class AgentArchive {

    private static final int BLOCK = 512;

    private final Path dir;
    private Path file;
    private String builtFrom;

    AgentArchive(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The archive of the directory as it is now. */
    synchronized Path file() throws IOException {
        if (!Files.isRegularFile(dir.resolve("quarkus-run.jar"))) {
            throw new IOException(dir + " is not a worker-agent distribution (no quarkus-run.jar; build it with "
                    + "`./mvnw -pl worker-agent -am package -DskipTests`, or set rgrid.orchestrator.bootstrap.agent-distribution)");
        }
        List<Path> entries = entries();
        String stamp = stamp(entries);
        if (file != null && stamp.equals(builtFrom) && Files.isRegularFile(file)) {
            return file;
        }
        Path tmp = Files.createTempFile("rgrid-worker-agent-", ".tar.gz");
        tmp.toFile().deleteOnExit();
        try (OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)), 1 << 16)) {
            for (Path p : entries) {
                write(out, p);
            }
            out.write(new byte[2 * BLOCK]);
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
        file = tmp;
        builtFrom = stamp;
        return file;
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).sorted().toList();
        }
    }

    private static String stamp(List<Path> entries) throws IOException {
        long size = 0;
        long newest = 0;
        for (Path p : entries) {
            if (Files.isRegularFile(p)) {
                size += Files.size(p);
                newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
            }
        }
        return entries.size() + "/" + size + "/" + newest;
    }

    private void write(OutputStream out, Path p) throws IOException {
        boolean directory = Files.isDirectory(p);
        String name = dir.relativize(p).toString().replace('\\', '/') + (directory ? "/" : "");
        long size = directory ? 0 : Files.size(p);
        byte[] header = new byte[BLOCK];
        String prefix = "";
        if (name.getBytes(StandardCharsets.UTF_8).length > 100) {
            // ustar: up to 155 bytes of directory in the prefix field, the rest (<= 100) in the name.
            int cut = name.lastIndexOf('/', name.length() - 2);
            if (cut <= 0 || name.substring(cut + 1).getBytes(StandardCharsets.UTF_8).length > 100
                    || name.substring(0, cut).getBytes(StandardCharsets.UTF_8).length > 155) {
                throw new IOException("path too long for a tar header: " + name);
            }
            prefix = name.substring(0, cut);
            name = name.substring(cut + 1);
        }
        put(header, 0, 100, name);
        put(header, 100, 8, octal(directory || Files.isExecutable(p) ? 0755 : 0644, 7));
        put(header, 108, 8, octal(0, 7));
        put(header, 116, 8, octal(0, 7));
        put(header, 124, 12, octal(size, 11));
        put(header, 136, 12, octal(Files.getLastModifiedTime(p).toMillis() / 1000, 11));
        put(header, 148, 8, "        ");
        header[156] = (byte) (directory ? '5' : '0');
        put(header, 257, 6, "ustar");
        put(header, 263, 2, "00");
        put(header, 345, 155, prefix);
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, 8, octal(sum, 6) + "\0 ");
        out.write(header);
        if (!directory) {
            long copied = Files.copy(p, out);
            if (copied != size) {
                throw new IOException(p + " changed while it was packed");
            }
            int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
            out.write(new byte[pad]);
        }
    }

    private static String octal(long value, int digits) {
        String s = Long.toOctalString(value);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
    }
}
