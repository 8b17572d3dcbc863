package io.rgrid.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.KillableGrid;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who a security suite calls as: a bearer key, the dashboard's session cookie (with the session's
 * CSRF token, so that a refusal is about the session and not the missing token), or a broken
 * credential. {@code secret} is what a refusal must never echo.
 *
 * @param name          what the case is called in assertion messages
 * @param authorization the whole Authorization header, or null for none
 * @param headers       further headers (the Cookie and the CSRF token of a session)
 * @param secret        the credential's secret part, or null
 */
record Caller(String name, String authorization, Map<String, String> headers, String secret) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final String COOKIE = "rgrid_session";

    static Caller bearer(String name, String key) {
        return new Caller(name, "Bearer " + key, Map.of(), key);
    }

    /** An Authorization header as given (null: none). */
    static Caller header(String name, String authorization) {
        String secret = authorization != null && authorization.length() > 12 ? authorization.substring(7) : null;
        return new Caller(name, authorization, Map.of(), secret);
    }

    static Caller cookie(String name, String cookie, String csrf) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cookie", COOKIE + "=" + cookie);
        headers.put("X-RGrid-CSRF", csrf);
        return new Caller(name, null, Map.copyOf(headers), cookie);
    }

    boolean isSession() {
        return headers.containsKey("Cookie");
    }

    /**
     * Logs in on the dashboard's login with {@code key}; the cookie value is remembered with the
     * issued keys, so the secrets check makes sure it was never logged either.
     */
    static Caller login(KillableGrid grid, String name, String key) throws IOException {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(URI.create(grid.apiUrl() + "/api/v1/session"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Api.JSON.writeValueAsBytes(Map.of("key", key)))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 201) {
            throw new AssertionError("login answered " + response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
        }
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        JsonNode body = Api.JSON.readTree(response.body());
        ProjectKeys.ISSUED.add(cookie);
        return cookie(name, cookie, body.path("csrfToken").asText());
    }

    /** A call whose answer ends (not an open stream); POST and PUT send an empty JSON object. */
    Api.Reply call(Api api, String method, String path) throws IOException {
        boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        return api.call(method, path, authorization, body ? "application/json" : null, body ? "{}".getBytes() : null, headers);
    }

    /** An open response that is read as it arrives (a server-sent event stream). */
    static final class OpenStream implements AutoCloseable {
        private final int status;
        private final InputStream body;
        private final StringBuilder seen = new StringBuilder();

        private OpenStream(HttpResponse<InputStream> response) {
            this.status = response.statusCode();
            this.body = response.body();
            Thread.ofVirtual().start(() -> {
                try (InputStream in = body) {
                    byte[] buffer = new byte[8192];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        synchronized (seen) {
                            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                } catch (IOException closed) {
                    // closed by close(), or by the server
                }
            });
        }

        int status() {
            return status;
        }

        String text() {
            synchronized (seen) {
                return seen.toString();
            }
        }

        /** Whether {@code needle} arrived within {@code patience}. */
        boolean awaitContains(String needle, Duration patience) {
            long deadline = System.nanoTime() + patience.toNanos();
            while (!text().contains(needle)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Api.sleep(100);
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** Opens {@code path} as a stream: the answer is read as it arrives, until closed. */
    OpenStream open(KillableGrid grid, String path) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(grid.apiUrl() + path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        headers.forEach(request::header);
        return new OpenStream(send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return HTTP.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
