package io.rgrid.cli.config;

import io.rgrid.cli.CliException;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.config.ClientConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves the API URL and key. Each setting independently: the flag, else
 * {@code RGRID_API_URL}/{@code RGRID_API_KEY}, else the CLI config file, else (URL only)
 * the local grid's default.
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
     * @throws CliException (usage) when no key is configured anywhere, or the URL or file is malformed
     */
    public ApiSettings resolve(String flagUrl, String flagKey) {
        String url = firstNonBlank(flagUrl, env.get(ClientConfig.ENV_API_URL));
        String key = blankToNull(flagKey);
        String keySource = "--api-key";
        if (key == null && blankToNull(env.get(ClientConfig.ENV_API_KEY)) != null) {
            key = env.get(ClientConfig.ENV_API_KEY).trim();
            keySource = ClientConfig.ENV_API_KEY;
        }
        if (url == null || key == null) {
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
        return new ApiSettings(parseUrl(url == null ? DEFAULT_API_URL : url), key, keySource);
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
