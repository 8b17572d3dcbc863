package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The known_hosts file the orchestrator owns: each worker server's SSH host key, pinned on first
 * contact (trust on first use) and required to match on every later connection.
 *
 * <p>Entries are keyed by the Hetzner server id, not by address: Hetzner hands a deleted server's
 * IPv4 to the next one, whose host key differs and must not be refused, while the same server
 * presenting a different key must be. Lines are OpenSSH known_hosts lines with the id in the
 * comment, so an operator can use the file as it is:
 * {@code ssh -o UserKnownHostsFile=<file> -i <key> root@<ip>}.
 * <pre>[203.0.113.7]:22 ssh-ed25519 AAAAC3Nz... rgrid-server-id=4711 rgrid-worker-ab12cd</pre>
 */
public final class HostKeyPins {

    private static final String ID_MARK = "rgrid-server-id=";

    private final Path file;

    public HostKeyPins(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    /** The pinned key of a server (type and base64 blob), if it has one. */
    public synchronized Optional<String[]> pinned(long serverId) {
        for (String line : lines()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].equals(ID_MARK + serverId)) {
                return Optional.of(new String[] {f[1], f[2]});
            }
        }
        return Optional.empty();
    }

    /**
     * Checks a presented key against the server's pin; a server seen for the first time gets
     * pinned, replacing the pins of other (deleted) servers at the same address, so the file
     * holds one line per address in use. Returns {@link HostKeyRepository#OK} or
     * {@link HostKeyRepository#CHANGED}.
     */
    synchronized int checkOrPin(long serverId, String serverName, String host, int port, byte[] key) {
        String type;
        try {
            type = new HostKey(host, key).getType();
        } catch (JSchException e) {
            throw new IllegalArgumentException("unreadable host key of " + host + ": " + e.getMessage(), e);
        }
        String blob = Base64.getEncoder().encodeToString(key);
        Optional<String[]> pin = pinned(serverId);
        if (pin.isPresent()) {
            return pin.get()[0].equals(type) && pin.get()[1].equals(blob) ? HostKeyRepository.OK
                    : HostKeyRepository.CHANGED;
        }
        String address = "[" + host + "]:" + port + " ";
        List<String> all = new ArrayList<>(lines().stream().filter(l -> !l.startsWith(address)).toList());
        all.add(address + type + " " + blob + " " + ID_MARK + serverId + " " + serverName);
        write(all);
        return HostKeyRepository.OK;
    }

    private List<String> lines() {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the known_hosts file " + file, e);
        }
    }

    private void write(List<String> lines) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.write(tmp, lines, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the known_hosts file " + file, e);
        }
    }

    /** A jsch repository for one connection: checks against (or pins) this server's entry only. */
    HostKeyRepository forServer(long serverId, String serverName, String host, int port) {
        return new HostKeyRepository() {
            @Override
            public int check(String h, byte[] key) {
                return checkOrPin(serverId, serverName, host, port, key);
            }

            @Override
            public void add(HostKey hostkey, UserInfo ui) {
                // pinning happens in check(); jsch never needs to add with StrictHostKeyChecking=yes
            }

            @Override
            public void remove(String h, String type) {
            }

            @Override
            public void remove(String h, String type, byte[] key) {
            }

            @Override
            public String getKnownHostsRepositoryID() {
                return file.toString();
            }

            @Override
            public HostKey[] getHostKey() {
                return new HostKey[0];
            }

            @Override
            public HostKey[] getHostKey(String h, String type) {
                return new HostKey[0];
            }
        };
    }
}
