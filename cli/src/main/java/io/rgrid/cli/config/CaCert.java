package io.rgrid.cli.config;

import io.rgrid.model.config.ClientConfig;

import java.nio.file.Path;

/**
 * A PEM file of CA certificates the API's TLS certificate may chain to, added to the system's
 * trust store (never replacing it).
 *
 * @param file       the PEM file, absolute
 * @param setting    the setting it came from: {@value #FLAG}, {@code RGRID_CA_CERT} or {@value #FILE_KEY}
 * @param configFile the config file, when {@code setting} is {@value #FILE_KEY}; otherwise null
 */
public record CaCert(Path file, String setting, Path configFile) {

    public static final String FLAG = "--ca-cert";
    public static final String FILE_KEY = "caCert";

    /** The setting and its value, as every error about the file names them. */
    public String describe() {
        return switch (setting) {
            case FLAG -> FLAG + " " + file;
            case FILE_KEY -> FILE_KEY + " " + file + " in " + configFile;
            default -> setting + "=" + file;
        };
    }
}
