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
 * every server. ustar (with a pax header for a path ustar cannot hold), unpacked on the worker by
 * {@code tar -xzf}. The distribution that
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
        String path = dir.relativize(p).toString().replace('\\', '/') + (directory ? "/" : "");
        long size = directory ? 0 : Files.size(p);
        String name = path;
        String prefix = "";
        if (bytes(path) > 100) {
            // ustar: up to 155 bytes of directory in the prefix field, the rest (<= 100) in the name.
            int cut = path.lastIndexOf('/', path.length() - 2);
            if (cut > 0 && bytes(path.substring(cut + 1)) <= 100 && bytes(path.substring(0, cut)) <= 155) {
                prefix = path.substring(0, cut);
                name = path.substring(cut + 1);
            } else {
                // A file name of its own longer than 100 bytes (jar names of some dependencies are):
                // a POSIX pax header before the entry carries the whole path; GNU tar reads it.
                byte[] record = paxRecord("path", path);
                out.write(header("PaxHeader/" + truncate(path, 80), "", 0644, record.length, 'x', 0));
                out.write(record);
                out.write(new byte[padding(record.length)]);
                name = truncate(path, 100);
            }
        }
        int mode = directory || Files.isExecutable(p) ? 0755 : 0644;
        long mtime = Files.getLastModifiedTime(p).toMillis() / 1000;
        out.write(header(name, prefix, mode, size, directory ? '5' : '0', mtime));
        if (!directory) {
            long copied = Files.copy(p, out);
            if (copied != size) {
                throw new IOException(p + " changed while it was packed");
            }
            out.write(new byte[padding(size)]);
        }
    }

    private static byte[] header(String name, String prefix, int mode, long size, char type, long mtime) {
        byte[] header = new byte[BLOCK];
        put(header, 0, 100, name);
        put(header, 100, 8, octal(mode, 7));
        put(header, 108, 8, octal(0, 7));
        put(header, 116, 8, octal(0, 7));
        put(header, 124, 12, octal(size, 11));
        put(header, 136, 12, octal(mtime, 11));
        put(header, 148, 8, "        ");
        header[156] = (byte) type;
        put(header, 257, 6, "ustar");
        put(header, 263, 2, "00");
        put(header, 345, 155, prefix);
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, 8, octal(sum, 6) + "\0 ");
        return header;
    }

    /** One pax record, {@code "<length> <key>=<value>\n"}, whose length counts its own digits. */
    static byte[] paxRecord(String key, String value) {
        int rest = 1 + bytes(key) + 1 + bytes(value) + 1;
        int length = rest + 1;
        while (String.valueOf(length).length() + rest != length) {
            length = String.valueOf(length).length() + rest;
        }
        return (length + " " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String truncate(String s, int maxBytes) {
        String t = s;
        while (bytes(t) > maxBytes) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
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
