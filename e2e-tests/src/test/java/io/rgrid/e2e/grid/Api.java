package io.rgrid.e2e.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A plain HTTP client for the public API (java.net.http), as any user's program would call it. */
public final class Api {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** One answer: status, content type, body. */
    public record Reply(int status, String contentType, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + text();
        }
    }

    private final String baseUrl;

    public Api(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /**
     * @param authorization the whole Authorization header value, or null to send none
     * @throws IOException when the API does not answer (it may be down in a chaos run)
     */
    public Reply call(String method, String path, String authorization, String contentType, byte[] body,
                      Map<String, String> headers) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public Reply call(String method, String path, String key) throws IOException {
        return call(method, path, key == null ? null : "Bearer " + key, null, null, Map.of());
    }

    /** GET, retried while the API is down or answers 5xx (for up to {@code patience}). */
    public Reply getPatiently(String path, String key, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                Reply reply = call("GET", path, key);
                if (reply.status() < 500) {
                    return reply;
                }
                if (System.nanoTime() > deadline) {
                    return reply;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new UncheckedIOException("the API did not answer GET " + path + " within " + patience, e);
                }
            }
            sleep(250);
        }
    }

    /**
     * Submits a script (with an optional input file) under an Idempotency-Key, retrying while the
     * API is down: a retry of a submission the API committed before dying returns the same
     * execution, so nothing is submitted twice.
     */
    public JsonNode submitPatiently(String key, String scriptName, String script, String inputName, byte[] input,
                                    String specJson, Duration patience) {
        String idempotencyKey = UUID.randomUUID().toString();
        String boundary = "----rgrid" + UUID.randomUUID();
        byte[] body = multipart(boundary, scriptName, script.getBytes(StandardCharsets.UTF_8), inputName, input, specJson);
        long deadline = System.nanoTime() + patience.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                Reply reply = call("POST", "/api/v1/executions", "Bearer " + key, "multipart/form-data; boundary=" + boundary,
                        body, Map.of("Idempotency-Key", idempotencyKey));
                if (reply.status() == 201 || reply.status() == 200) {
                    return reply.json();
                }
                if (reply.status() < 500) {
                    throw new AssertionError("submission refused: " + reply);
                }
                last = reply.toString();
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(300);
        }
        throw new AssertionError("the API did not take a submission within " + patience + "; last: " + last);
    }

    public static byte[] multipart(String boundary, String scriptName, byte[] script, String inputName, byte[] input, String specJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (specJson != null) {
            part(out, boundary, "spec", null, "application/json", specJson.getBytes(StandardCharsets.UTF_8));
        }
        part(out, boundary, "script", scriptName, "text/x-python", script);
        if (inputName != null) {
            part(out, boundary, "inputs", inputName, "application/octet-stream", input);
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String fileName, String type, byte[] content) {
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (fileName == null ? "" : "; filename=\"" + fileName + "\"") + "\r\nContent-Type: " + type + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
