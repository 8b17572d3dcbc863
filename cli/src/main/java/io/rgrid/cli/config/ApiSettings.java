package io.rgrid.cli.config;

import java.net.URI;

/**
 * Where the API is and which key to present, resolved from flags, environment and file.
 *
 * @param apiUrl    base URL without a trailing slash, e.g. {@code http://127.0.0.1:8000}
 * @param apiKey    the bearer key
 * @param keySource where the key came from, for messages ("--api-key", "RGRID_API_KEY", a file path)
 * @param caCert    a CA to trust besides the system's trust store, or null
 */
public record ApiSettings(URI apiUrl, String apiKey, String keySource, CaCert caCert) {
}
