package io.rgrid.model.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.rgrid.model.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The CLI's configuration file: {@code $XDG_CONFIG_HOME/rgrid/config.json}, by default
 * {@code ~/.config/rgrid/config.json}, mode 0600. Precedence when the CLI resolves its
 * settings: flags, then {@code RGRID_API_URL}/{@code RGRID_API_KEY}/{@code RGRID_CA_CERT}, then this file.
 *
 * @param caCert absolute path of a PEM file with the CA certificate(s) the API's TLS certificate is
 *               checked against, besides the system's trust store; null for the system's alone
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientConfig(String apiUrl, String apiKey, String caCert) {

    public static final String ENV_API_URL = "RGRID_API_URL";
    public static final String ENV_API_KEY = "RGRID_API_KEY";
    public static final String ENV_CA_CERT = "RGRID_CA_CERT";

    /** A config without a CA of its own (the local grid's: plain HTTP on loopback). */
    public ClientConfig(String apiUrl, String apiKey) {
        this(apiUrl, apiKey, null);
    }

    /** Where the file lives for the given environment. */
    public static Path path(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("rgrid").resolve("config.json");
    }

    /** @return the file's contents, or null when it does not exist */
    public static ClientConfig read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        return Json.mapper().readValue(file.toFile(), ClientConfig.class);
    }

    /** Writes the file atomically with mode 0600 (it holds a key). */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".config", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Json.mapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
