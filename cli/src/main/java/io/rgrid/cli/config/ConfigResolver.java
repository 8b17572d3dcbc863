package io.rgrid.cli.config;

import io.rgrid.cli.core.CliException;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.config.ClientConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves the API URL, key and CA certificate. Each setting independently: the flag, else
 * {@code RGRID_API_URL}/{@code RGRID_API_KEY}/{@code RGRID_CA_CERT}, else the CLI config file,
 * else (URL only) the local grid's default; no CA anywhere means the system's trust store alone.
 */
public final class ConfigResolver {

    public static final String DEFAULT_API_URL = "http://127.0.0.1:" + ApiPaths.DEFAULT_PORT;

    private final Map<String, String> env;

    public ConfigResolver(Map<String, String> env) {
        this.env = env;
    }

    public Path configFile() {
        return ClientConfig.path(env);
    }

    /** The API URL alone (no key needed), for messages and commands that only talk to the grid. */
    public URI resolveUrl(String flagUrl) {
        String url = firstNonBlank(flagUrl, env.get(ClientConfig.ENV_API_URL));
        if (url == null) {
            ClientConfig file = readFile();
            url = file == null ? null : blankToNull(file.apiUrl());
        }
        return parseUrl(url == null ? DEFAULT_API_URL : url);
    }

    /**
     * The CA certificate to add to the trust store: {@code --ca-cert}, else {@code RGRID_CA_CERT},
     * else the config file's {@code caCert} (relative to the file's directory); null when none is set.
     * A flag's or variable's relative path is taken from the working directory.
     */
    public CaCert resolveCaCert(String flagCaCert) {
        return resolveCaCert(flagCaCert, true);
    }

    /** @param fileNeeded false when flags and environment gave URL and key: a broken file is then ignored, as before */
    private CaCert resolveCaCert(String flagCaCert, boolean fileNeeded) {
        if (blankToNull(flagCaCert) != null) {
            return new CaCert(Path.of(flagCaCert.trim()).toAbsolutePath(), CaCert.FLAG, null);
        }
        String fromEnv = blankToNull(env.get(ClientConfig.ENV_CA_CERT));
        if (fromEnv != null) {
            return new CaCert(Path.of(fromEnv).toAbsolutePath(), ClientConfig.ENV_CA_CERT, null);
        }
        ClientConfig file;
        try {
            file = readFile();
        } catch (CliException e) {
            if (fileNeeded) {
                throw e;
            }
            return null;
        }
        String fromFile = file == null ? null : blankToNull(file.caCert());
        Path config = configFile().toAbsolutePath();
        return fromFile == null ? null : new CaCert(config.getParent().resolve(fromFile), CaCert.FILE_KEY, config);
    }

    /** {@link #resolve(String, String, String)} without a {@code --ca-cert} flag. */
    public ApiSettings resolve(String flagUrl, String flagKey) {
        return resolve(flagUrl, flagKey, null);
    }

    /**
     * @throws CliException (usage) when no key is configured anywhere, or the URL or file is malformed
     */
    public ApiSettings resolve(String flagUrl, String flagKey, String flagCaCert) {
        String url = firstNonBlank(flagUrl, env.get(ClientConfig.ENV_API_URL));
        String key = blankToNull(flagKey);
        String keySource = "--api-key";
        if (key == null && blankToNull(env.get(ClientConfig.ENV_API_KEY)) != null) {
            key = env.get(ClientConfig.ENV_API_KEY).trim();
            keySource = ClientConfig.ENV_API_KEY;
        }
        boolean fileNeeded = url == null || key == null;
        if (fileNeeded) {
            // The file is read only when a setting is still missing.
            ClientConfig file = readFile();
            if (file != null) {
                if (url == null) {
                    url = blankToNull(file.apiUrl());
                }
                if (key == null && blankToNull(file.apiKey()) != null) {
                    key = file.apiKey().trim();
                    keySource = configFile().toString();
                }
            }
        }
        if (key == null) {
            throw CliException.usage("no API key configured (no --api-key, no " + ClientConfig.ENV_API_KEY
                    + ", nothing in " + configFile() + ").\n"
                    + "Start the local grid with: ./rgrid local up (it writes that file), "
                    + "or run: rgrid init --api-url URL --api-key KEY");
        }
        return new ApiSettings(parseUrl(url == null ? DEFAULT_API_URL : url), key, keySource,
                resolveCaCert(flagCaCert, fileNeeded));
    }

    private ClientConfig readFile() {
        Path file = configFile();
        try {
            return ClientConfig.read(file);
        } catch (IOException e) {
            throw CliException.usage("cannot read the CLI config " + file + ": " + firstLine(e.getMessage())
                    + "\nFix or delete it; ./rgrid local up or rgrid init writes a new one.");
        }
    }

    static URI parseUrl(String text) {
        String trimmed = text.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        try {
            URI uri = new URI(trimmed);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new URISyntaxException(text, "not an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw CliException.usage("API URL '" + text + "' is not an http(s) URL; write it like "
                    + DEFAULT_API_URL);
        }
    }

    private static String firstNonBlank(String a, String b) {
        String first = blankToNull(a);
        return first != null ? first : blankToNull(b);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
