package io.rgrid.cli.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.config.ApiSettings;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.Problem;
import io.rgrid.model.api.SubmitSpec;

import java.io.FileNotFoundException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The public API as the CLI uses it. Every failure comes out as a {@link CliException} whose
 * message says what went wrong and what to do; callers never see an IOException.
 */
public final class ApiClient implements AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** For small calls; submissions have none, a large upload may take long. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ApiSettings settings;
    private final Transport http;
    private final PrintStream debug;
    private final ApiFailures failures;

    /**
     * @param debug where to trace requests and responses, or null
     */
    public ApiClient(ApiSettings settings, PrintStream debug) {
        this.settings = settings;
        this.failures = new ApiFailures(settings);
        this.debug = debug;
        // One transport for every call (runs, uploads, the live log, downloads), so one trust for all.
        this.http = new Transport(settings.apiUrl(), CONNECT_TIMEOUT,
                settings.caCert() == null ? null : CaTrust.context(settings.caCert()).getSocketFactory());
    }

    /**
     * Closes the connections still being read (a live log stream): the JVM's exit waits up to
     * 300 ms for threads in native code, such as one blocked on a socket, to stop.
     */
    @Override
    public void close() {
        http.close();
    }

    public URI apiUrl() {
        return settings.apiUrl();
    }

    /** {@code POST /api/v1/executions}: uploads the script and inputs, streamed from disk. */
    public ExecutionView submit(SubmitSpec spec, Path script, List<Path> inputs, Path requirements) {
        return submit(spec, script, inputs, requirements, null);
    }

    /**
     * As {@link #submit(SubmitSpec, Path, List, Path)}, reporting the bytes sent so far to {@code progress}
     * (may be null) as the body streams out.
     */
    public ExecutionView submit(SubmitSpec spec, Path script, List<Path> inputs, Path requirements, Progress progress) {
        MultipartBody body = new MultipartBody();
        try {
            body.addBytes(ApiPaths.PART_SPEC, "application/json", Json.mapper().writeValueAsBytes(spec));
            body.addFile(ApiPaths.PART_SCRIPT, fileName(script), script);
            for (Path input : inputs) {
                body.addFile(ApiPaths.PART_INPUTS, fileName(input), input);
            }
            if (requirements != null) {
                body.addFile(ApiPaths.PART_REQUIREMENTS, "requirements.txt", requirements);
            }
        } catch (FileNotFoundException e) {
            // Checked by the command before; this is a file that vanished in between.
            throw CliException.usage("no such file: " + e.getMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the spec", e);
        }
        Transport.Request request = request("POST", ApiPaths.EXECUTIONS, null)
                .header("Content-Type", body.contentType())
                .body(body, progress);
        return view(send(request, null), null);
    }

    /** {@code GET /api/v1/executions/{id}}. */
    public ExecutionView get(String id) {
        return view(send(request("GET", ApiPaths.execution(id), CALL_TIMEOUT), id), id);
    }

    /** {@code POST /api/v1/executions/{id}/cancel}; returns the execution as the API shows it afterwards. */
    public ExecutionView cancel(String id) {
        Response response = send(request("POST", ApiPaths.cancel(id), CALL_TIMEOUT).body(Body.EMPTY, null), id);
        if (response.body().length == 0 || !response.isJson()) {
            return get(id);
        }
        return view(response, id);
    }

    /**
     * {@code GET /api/v1/executions/{id}/logs}: copies the stored log to {@code out} as it arrives.
     *
     * The API answers an empty log while none is stored; workers store it before they report
     * the attempt's end, so a terminal execution's log is complete.
     *
     * @param attempt the attempt whose log to fetch, or null for the API's default (the latest)
     */
    public void logs(String id, Integer attempt, OutputStream out) {
        logs(id, attempt, 0, out);
    }

    /**
     * Like {@link #logs(String, Integer, OutputStream)}, from byte {@code from} of the stored log
     * ({@code Range: bytes=from-}): what a follower that printed {@code from} bytes still lacks.
     */
    public void logs(String id, Integer attempt, long from, OutputStream out) {
        String path = ApiPaths.logs(id) + (attempt == null ? "" : "?attempt=" + attempt);
        Transport.Request request = request("GET", path, null);
        if (from > 0) {
            request.header("Range", "bytes=" + from + "-");
        }
        try (Transport.Reply response = exchange(request)) {
            InputStream in = response.body();
            if (response.status() / 100 != 2) {
                Response failed = new Response(response.status(), response.contentType(), in.readAllBytes());
                Problem problem = failed.problem();
                if (failed.status() == 404 && problem != null && problem.detail() != null) {
                    // E.g. an --attempt the execution never had: the API's detail says which ones exist.
                    throw CliException.api(problem.detail());
                }
                throw failures.failure(failed, id);
            }
            if (from > 0 && response.status() != 206) {
                in.skipNBytes(from); // a server that ignores Range sends it all
            }
            in.transferTo(out);
            out.flush();
        } catch (IOException e) {
            throw failures.unreachable(e);
        }
    }

    /** Upload progress: bytes sent of the total body length. */
    public interface Progress {
        void sent(long bytes, long total);
    }

    /** {@code GET path} (below the API URL, with its query) answered with JSON; 404 names {@code executionId} when given. */
    public JsonNode getJson(String pathAndQuery, String executionId) {
        return json(send(request("GET", pathAndQuery, CALL_TIMEOUT), executionId));
    }

    /** {@code POST path} with no body, answered with JSON. */
    public JsonNode postJson(String path, String executionId) {
        return json(send(request("POST", path, CALL_TIMEOUT).body(Body.EMPTY, null), executionId));
    }

    /** {@code GET /api/v1/executions/{id}/outputs[?attempt=N]}. */
    public JsonNode outputs(String id, Integer attempt) {
        return getJson(ApiPaths.execution(id) + "/outputs" + (attempt == null ? "" : "?attempt=" + attempt), id);
    }

    /**
     * {@code GET /api/v1/executions/{id}/outputs/{name}[?attempt=N]} into {@code target}, written to a
     * temporary file beside it first so an interrupted download never leaves a truncated file. A
     * name in a sub-folder goes as path segments ({@code sub/b.txt}), each one encoded.
     */
    public long download(String id, String name, Integer attempt, Path target) {
        StringBuilder path = new StringBuilder(ApiPaths.execution(id)).append("/outputs");
        for (String segment : name.split("/", -1)) {
            path.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        path.append(attempt == null ? "" : "?attempt=" + attempt);
        try (Transport.Reply response = exchange(request("GET", path.toString(), null))) {
            InputStream in = response.body();
            if (response.status() / 100 != 2) {
                Response failed = new Response(response.status(), response.contentType(), in.readAllBytes());
                Problem problem = failed.problem();
                if (failed.status() == 404 && problem != null && problem.detail() != null) {
                    throw CliException.api(problem.detail());
                }
                throw failures.failure(failed, id);
            }
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path partial = Files.createTempFile(parent, ".rgrid-", ".part");
            try {
                long n = Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return n;
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (AccessDeniedException e) {
            throw CliException.usage("cannot write " + target + " (permission denied); pick another --dir/--output-dir");
        } catch (IOException e) {
            throw failures.unreachable(e);
        }
    }

    /** How a live log stream ended. */
    public enum StreamEnd {
        /** The server sent its {@code end} event: the log is complete. */
        ENDED,
        /** The API has no streaming endpoint (400/404/405 to {@code follow=true}): poll and print the stored log. */
        UNSUPPORTED,
        /**
         * The server ended the stream early (it was read more slowly than the log was written), having
         * sent exactly the log's first bytes of the attempt ({@code resume} event with {@code sentBytes}):
         * the rest is fetched by a byte range once the execution ended.
         */
        RESUMED,
        /** The connection broke before the end. */
        BROKEN
    }

    /**
     * {@code GET /api/v1/executions/{id}/logs?follow=true} (server-sent events): calls {@code onEvent}
     * with each event's name and parsed data ({@code log}: attempt, stream, text; {@code end}: the final state;
     * {@code resume}: the stream ends early, the attempt's first {@code sentBytes} bytes were sent).
     */
    public StreamEnd followLogs(String id, BiConsumer<String, JsonNode> onEvent) {
        Transport.Request request = request("GET", ApiPaths.logs(id) + "?follow=true", null)
                .header("Accept", "text/event-stream");
        Transport.Reply response;
        try {
            response = exchange(request);
        } catch (CliException e) {
            return StreamEnd.BROKEN;
        }
        int status = response.status();
        try (Transport.Reply reply = response) {
            InputStream in = reply.body();
            if (status == 400 || status == 404 || status == 405 || status == 406
                    || (status / 100 == 2 && !reply.contentType().startsWith("text/event-stream"))) {
                // An unknown execution is also a 404 here; the polling that follows reports it properly.
                return StreamEnd.UNSUPPORTED;
            }
            if (status / 100 != 2) {
                throw failures.failure(new Response(status, reply.contentType(), in.readAllBytes()), id);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String event = "message";
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        JsonNode node = Json.mapper().readTree(data.toString());
                        onEvent.accept(event, node);
                        if (event.equals("end")) {
                            return StreamEnd.ENDED;
                        }
                        if (event.equals("resume")) {
                            return node.hasNonNull("sentBytes") ? StreamEnd.RESUMED : StreamEnd.BROKEN;
                        }
                    }
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    if (!data.isEmpty()) {
                        data.append('\n');
                    }
                    String value = line.substring(5);
                    data.append(value.startsWith(" ") ? value.substring(1) : value);
                }
                // comments (": keep-alive") and id: lines need nothing
            }
            return StreamEnd.BROKEN;
        } catch (IOException e) {
            return StreamEnd.BROKEN;
        }
    }

    private JsonNode json(Response response) {
        try {
            JsonNode node = Json.mapper().readTree(response.body());
            if (node == null || node.isMissingNode()) {
                throw new IOException("empty body");
            }
            return node;
        } catch (IOException e) {
            throw CliException.api("the API at " + settings.apiUrl() + " answered with something that is not JSON. "
                    + "Is that URL an RGrid API?", e);
        }
    }

    /** A request below the API URL with the key; {@code timeout} bounds each read of the answer (null: none). */
    private Transport.Request request(String method, String path, Duration timeout) {
        return new Transport.Request(method, path, timeout)
                .header(Auth.HEADER, Auth.header(settings.apiKey()))
                .header("Accept", "application/json, " + Problem.MEDIA_TYPE + ", text/plain")
                .header("User-Agent", "rgrid-cli");
    }

    private Response send(Transport.Request request, String executionId) {
        Response read;
        try (Transport.Reply response = exchange(request)) {
            read = new Response(response.status(), response.contentType(), response.body().readAllBytes());
        } catch (IOException e) {
            throw failures.unreachable(e);
        }
        if (read.status() / 100 != 2) {
            throw failures.failure(read, executionId);
        }
        return read;
    }

    private Transport.Reply exchange(Transport.Request request) {
        long start = System.nanoTime();
        if (debug != null) {
            debug.println("> " + request.method + " " + http.uri(request.path));
        }
        try {
            Transport.Reply response = http.send(request);
            if (debug != null) {
                debug.printf(Locale.ROOT, "< %d %s (%d ms)%n", response.status(), response.contentType(),
                        (System.nanoTime() - start) / 1_000_000);
            }
            return response;
        } catch (IOException e) {
            throw failures.unreachable(e);
        }
    }

    private ExecutionView view(Response response, String executionId) {
        try {
            ExecutionView view = Json.mapper().readValue(response.body(), ExecutionView.class);
            if (view == null || view.id() == null || view.state() == null) {
                throw new IOException("no id or state");
            }
            return view;
        } catch (IOException e) {
            throw CliException.api("the API at " + settings.apiUrl() + " answered with something that is not an "
                    + "execution" + (executionId == null ? "" : " for " + executionId)
                    + ". Is that URL an RGrid API?", e);
        }
    }

    private static String fileName(Path file) {
        return file.getFileName().toString();
    }

    /** A fully read response. */
    record Response(int status, String contentType, byte[] body) {

        boolean isJson() {
            String type = contentType.toLowerCase(Locale.ROOT);
            return type.startsWith("application/json") || type.startsWith(Problem.MEDIA_TYPE);
        }

        /** @return the problem body, or null when the body is not problem+json (or JSON that looks like one) */
        Problem problem() {
            if (!isJson() || body.length == 0) {
                return null;
            }
            try {
                Problem problem = Json.mapper().readValue(body, Problem.class);
                return problem != null && (problem.detail() != null || problem.code() != null
                        || problem.title() != null) ? problem : null;
            } catch (IOException e) {
                return null;
            }
        }
    }
}
