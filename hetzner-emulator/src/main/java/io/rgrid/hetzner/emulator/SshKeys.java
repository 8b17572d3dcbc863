package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.labelsJson;
import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.text;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/** The project's SSH keys ({@code /ssh_keys}), under the state's lock. */
final class SshKeys {

    private static final class SshKey {
        long id;
        String name;
        String fingerprint;
        String publicKey;
        Map<String, String> labels;
        Instant created;
    }

    private final Object lock;
    private final Map<Long, SshKey> sshKeys = new LinkedHashMap<>();
    private long nextSshKeyId = 7_000_001L;

    SshKeys(Object lock) {
        this.lock = lock;
    }

    ObjectNode create(JsonNode body) {
        synchronized (lock) {
            String name = text(body, "name");
            String publicKey = text(body, "public_key");
            Map<String, List<String>> problems = new LinkedHashMap<>();
            if (name == null || name.isBlank()) {
                problems.put("name", List.of("is required"));
            }
            if (publicKey == null || publicKey.isBlank()) {
                problems.put("public_key", List.of("is required"));
            }
            if (!problems.isEmpty()) {
                throw ApiError.invalidInput(problems);
            }
            String fingerprint = fingerprint(publicKey.trim());
            Map<String, String> labels = Labels.parse(body.get("labels"));
            if (sshKeys.values().stream().anyMatch(k -> k.name.equals(name))) {
                throw ApiError.uniqueness("SSH key with the same name already exists", "name");
            }
            if (sshKeys.values().stream().anyMatch(k -> k.fingerprint.equals(fingerprint))) {
                throw ApiError.uniqueness("SSH key with the same fingerprint already exists", "public_key");
            }
            SshKey k = new SshKey();
            k.id = nextSshKeyId++;
            k.name = name;
            k.publicKey = publicKey.trim();
            k.fingerprint = fingerprint;
            k.labels = labels;
            k.created = Instant.now();
            sshKeys.put(k.id, k);
            return wrap("ssh_key", json(k));
        }
    }

    ObjectNode get(long id) {
        synchronized (lock) {
            return wrap("ssh_key", json(sshKey(id)));
        }
    }

    ObjectNode update(long id, JsonNode body) {
        synchronized (lock) {
            SshKey k = sshKey(id);
            String name = text(body, "name");
            if (body.has("name")) {
                if (name == null || name.isBlank()) {
                    throw ApiError.invalidInput("name", "must not be empty");
                }
                if (sshKeys.values().stream().anyMatch(o -> o.id != id && o.name.equals(name))) {
                    throw ApiError.uniqueness("SSH key with the same name already exists", "name");
                }
            }
            Map<String, String> labels = body.has("labels") ? Labels.parse(body.get("labels")) : null;
            if (name != null) {
                k.name = name;
            }
            if (labels != null) {
                k.labels = labels;
            }
            return wrap("ssh_key", json(k));
        }
    }

    void delete(long id) {
        synchronized (lock) {
            sshKey(id);
            sshKeys.remove(id);
        }
    }

    List<ObjectNode> list(Request req) {
        synchronized (lock) {
            LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
            String name = req.param("name");
            String fingerprint = req.param("fingerprint");
            Comparator<SshKey> order = sort(req, Map.of(
                    "id", Comparator.comparingLong((SshKey k) -> k.id),
                    "name", Comparator.comparing((SshKey k) -> k.name)));
            return sshKeys.values().stream()
                    .filter(k -> name == null || k.name.equals(name))
                    .filter(k -> fingerprint == null || k.fingerprint.equals(fingerprint))
                    .filter(k -> selector.test(k.labels))
                    .sorted(order)
                    .map(SshKeys::json).toList();
        }
    }

    /** The public key of an SSH key, for a boot hook that authorizes a server's keys. */
    Optional<String> publicKey(long id) {
        synchronized (lock) {
            SshKey k = sshKeys.get(id);
            return k == null ? Optional.empty() : Optional.of(k.publicKey);
        }
    }

    /** The public keys of those of {@code ids} that still exist. */
    List<String> publicKeys(List<Long> ids) {
        return ids.stream().map(sshKeys::get).filter(Objects::nonNull).map(k -> k.publicKey).toList();
    }

    /** The id of the key a server create names (by name or id); {@code invalid_input} when there is none. */
    long idOf(String ref) {
        return sshKeys.values().stream()
                .filter(k -> k.name.equals(ref) || String.valueOf(k.id).equals(ref)).findFirst()
                .orElseThrow(() -> ApiError.invalidInput("ssh_keys", "ssh key '" + ref + "' not found")).id;
    }

    private SshKey sshKey(long id) {
        SshKey k = sshKeys.get(id);
        if (k == null) {
            throw ApiError.notFound("SSH key with ID '" + id + "' not found");
        }
        return k;
    }

    /** The MD5 fingerprint of the key blob, colon-separated, as the reference shows ({@code b7:2f:30:...}). */
    static String fingerprint(String publicKey) {
        String[] parts = publicKey.split("\\s+");
        if (parts.length < 2 || !parts[0].matches("(ssh|ecdsa|sk)-[-a-z0-9@.]+")) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        if (blob.length < 4) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(blob);
            StringBuilder sb = new StringBuilder();
            for (byte b : md5) {
                if (sb.length() > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode json(SshKey k) {
        ObjectNode n = F.objectNode();
        n.put("id", k.id);
        n.put("name", k.name);
        n.put("fingerprint", k.fingerprint);
        n.put("public_key", k.publicKey);
        n.set("labels", labelsJson(k.labels));
        n.put("created", Times.format(k.created));
        return n;
    }
}
