package io.rgrid.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.rgrid.cli.http.Multipart;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.Problem;
import io.rgrid.model.api.SubmitSpec;
import io.rgrid.model.storage.OutputNames;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-process stand-in for api-service that answers the CLI's calls the way the API does:
 * bearer auth with problem+json 401s, 201 + ExecutionView on submit, a scripted state
 * progression on GET, stored logs, cancel.
 */
public final class FakeApi implements AutoCloseable {

    public static final String KEY = "test-key";
    public static final String WORKER = "rgrid-worker-ab12cd";

    private final HttpServer server;
    /** Each GET of an execution returns the next view of its list; the last one repeats. */
    private final Map<UUID, List<ExecutionView>> progressions = new ConcurrentHashMap<>();
    private final Map<UUID, String> logs = new ConcurrentHashMap<>();
    public final List<Submission> submissions = new CopyOnWriteArrayList<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** The states a new submission's GETs walk through (a spec with image "bad/image" is refused with 422). */
    private volatile Function<SubmitSpec, List<ExecutionState>> plan = spec -> List.of(
            ExecutionState.QUEUED, ExecutionState.ASSIGNED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
    /** The log of executions created from now on. */
    private volatile String logText = "hello from the grid\n";
    private volatile Integer failedExitCode = 3;
    /** Serve logs?follow=true as server-sent events (otherwise 404, as an API without the stream). */
    private volatile boolean sse;
    /** How much of the log the stream sends before "end" (the real API may end before the last chunks). */
    public volatile int streamChars = Integer.MAX_VALUE;
    /** After {@link #streamChars}, end the stream with "resume" (as the API does for a slow reader) instead of "end". */
    public volatile boolean streamResumes;
    /**
     * The stream moves the execution to its last state on its own, as the grid does, and then
     * sends "end" (otherwise the GETs walk the states and the stream ends after the last one).
     */
    public volatile boolean streamEndsRun;
    /** With {@link #streamEndsRun}: each state it passes goes out as a "state" event, as the API sends them. */
    public volatile boolean streamStates;
    /** The script's start and end the "end" event carries (startedAt, finishedAt); null: left out, as an older API. */
    public volatile Instant endStartedAt;
    public volatile Instant endFinishedAt;
    /** The "end" event carries the final execution as GET shows it ("execution"), as today's API does; false: an older API. */
    public volatile boolean endCarriesExecution;
    /** How many of the next GETs of a stored log answer 503 (an object store that is down). */
    public final java.util.concurrent.atomic.AtomicInteger logFailures = new java.util.concurrent.atomic.AtomicInteger();
    /** The outputs of executions created from now on. */
    private volatile Map<String, byte[]> outputsTemplate = Map.of();
    private final Map<UUID, Map<String, byte[]>> outputs = new ConcurrentHashMap<>();
    private final Map<UUID, UUID> retryOf = new ConcurrentHashMap<>();
    /** Creation order, newest last: the list endpoint pages over it newest first. */
    private final List<UUID> order = new CopyOnWriteArrayList<>();
    private final Map<UUID, Map<String, String>> labelsOf = new ConcurrentHashMap<>();
    /** Body of GET /api/v1/queue, or null for 404. */
    public volatile String queueJson;

    /** A received submission, parsed. */
    public record Submission(SubmitSpec spec, List<Multipart.Part> parts, String contentLength) {
    }

    public FakeApi() throws IOException {
        this(null);
    }

    /** Serves HTTPS with {@code tls} (its key and certificate) when given, plain HTTP otherwise. */
    public FakeApi(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", this::handle);
        // Several at once: a live log stream stays open while the CLI polls.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-api");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public String url() {
        // HTTPS by the name its test certificate holds (TestCa: localhost and 127.0.0.1).
        return (server instanceof HttpsServer ? "https://localhost:" : "http://127.0.0.1:") + server.getAddress().getPort();
    }

    /** The largest page the list endpoint answers (the real API: 500). */
    public volatile int maxPage = 500;

    public FakeApi planBy(Function<SubmitSpec, List<ExecutionState>> byspec) {
        plan = byspec;
        return this;
    }

    public FakeApi plan(ExecutionState... states) {
        plan = spec -> List.of(states);
        return this;
    }

    public FakeApi failedExitCode(Integer code) {
        failedExitCode = code;
        return this;
    }

    public FakeApi sse(boolean on) {
        sse = on;
        return this;
    }

    public FakeApi outputs(Map<String, byte[]> files) {
        outputsTemplate = Map.copyOf(files);
        return this;
    }

    public FakeApi log(String text) {
        logText = text;
        return this;
    }

    /** Registers an execution directly, as if someone had submitted it earlier. */
    public UUID existing(ExecutionState... states) {
        UUID id = UUID.randomUUID();
        progressions.put(id, views(id, List.of(states), null));
        logs.put(id, logText);
        outputs.put(id, outputsTemplate);
        order.add(id);
        return id;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            String token = Auth.bearerToken(exchange.getRequestHeaders().getFirst(Auth.HEADER));
            if (!KEY.equals(token)) {
                problem(exchange, ErrorCode.UNAUTHENTICATED, "missing or unknown API key");
                return;
            }
            if (path.equals(ApiPaths.EXECUTIONS) && exchange.getRequestMethod().equals("POST")) {
                submit(exchange);
                return;
            }
            if (path.equals(ApiPaths.EXECUTIONS)) {
                list(exchange, query);
                return;
            }
            if (path.equals(ApiPaths.BASE + "/queue")) {
                if (queueJson == null) {
                    problem(exchange, ErrorCode.NOT_FOUND, "no such path");
                } else {
                    send(exchange, 200, "application/json", queueJson.getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            if (path.equals(ApiPaths.BASE + "/workers")) {
                send(exchange, 200, "application/json", ("{\"items\":[{\"id\":\"" + WORKER + "\",\"state\":\"READY\","
                        + "\"provider\":\"local\",\"serverType\":\"local\",\"createdAt\":\"2025-01-01T10:00:00Z\","
                        + "\"hourlyPriceEur\":0.0066,\"detail\":null,\"updatedAt\":\"2025-01-01T10:00:00Z\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.equals(ApiPaths.BASE + "/cost")) {
                send(exchange, 200, "application/json", ("{\"at\":\"2025-01-01T10:05:00Z\",\"totalEur\":0.0123,"
                        + "\"perWorkerEur\":{\"" + WORKER + "\":0.0123}}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String[] segments = path.substring(ApiPaths.EXECUTIONS.length()).split("/");
            UUID id = segments.length > 1 ? UUID.fromString(segments[1]) : null;
            List<ExecutionView> views = id == null ? null : progressions.get(id);
            if (views == null) {
                problem(exchange, ErrorCode.NOT_FOUND, "no execution " + id);
                return;
            }
            if (segments.length == 2) {
                ExecutionView view = views.size() > 1 ? views.remove(0) : views.get(0);
                json(exchange, 200, view);
            } else if (segments[2].equals("logs") && query != null && query.equals("follow=true") && sse) {
                stream(exchange, id, views);
            } else if (segments[2].equals("outputs")) {
                Map<String, byte[]> files = outputs.getOrDefault(id, Map.of());
                if (segments.length == 3) {
                    List<Map<String, Object>> listing = new ArrayList<>();
                    new java.util.TreeMap<>(files).forEach((name, bytes) -> listing.add(Map.of("name", name,
                            "size", bytes.length, "etag", "e" + bytes.length, "lastModified", "2025-01-01T10:00:02Z")));
                    json(exchange, 200, Map.of("executionId", id.toString(), "attempt", 1, "outputs", listing));
                } else {
                    // The decoded path: "sub/b.txt" and "sub%2Fb.txt" are one name, as in the API.
                    String name = String.join("/", java.util.Arrays.copyOfRange(segments, 3, segments.length));
                    byte[] bytes = files.get(name);
                    if (OutputNames.problem(name) != null) {
                        problem(exchange, ErrorCode.INVALID_FILE_NAME, "invalid output name: " + OutputNames.problem(name));
                    } else if (bytes == null) {
                        problem(exchange, ErrorCode.NOT_FOUND, "attempt 1 of execution " + id + " has no output '" + name + "'");
                    } else {
                        send(exchange, 200, "application/octet-stream", bytes);
                    }
                }
            } else if (segments[2].equals("retry")) {
                UUID retried = UUID.randomUUID();
                List<ExecutionView> retriedViews = views(retried, plan.apply(null), null);
                progressions.put(retried, retriedViews);
                logs.put(retried, logText);
                outputs.put(retried, outputsTemplate);
                retryOf.put(retried, id);
                order.add(retried);
                com.fasterxml.jackson.databind.node.ObjectNode body = Json.mapper().valueToTree(retriedViews.get(0));
                body.put("retryOf", id.toString());
                json(exchange, 201, body);
            } else if (segments[2].equals("logs")) {
                if (query != null && !query.equals("attempt=1")) {
                    problem(exchange, ErrorCode.NOT_FOUND, "execution " + id + " has attempts 1 to 1");
                    return;
                }
                if (logFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    problem(exchange, ErrorCode.DEPENDENCY_UNAVAILABLE, "the object store is unavailable");
                    return;
                }
                byte[] log = logs.get(id).getBytes(StandardCharsets.UTF_8);
                String range = exchange.getRequestHeaders().getFirst("Range");
                if (range != null) { // bytes=N-, as the real API takes it
                    int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                    exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (log.length - 1) + "/" + log.length);
                    send(exchange, 206, "text/plain; charset=utf-8", java.util.Arrays.copyOfRange(log, from, log.length));
                    return;
                }
                send(exchange, 200, "text/plain; charset=utf-8", log);
            } else if (segments[2].equals("cancel")) {
                ExecutionView current = views.get(0);
                ExecutionView cancelled = view(id, ExecutionState.CANCELLED, null, null);
                views.clear();
                views.add(cancelled);
                json(exchange, 202, current.isTerminal() ? current : cancelled);
            } else {
                problem(exchange, ErrorCode.NOT_FOUND, "no such path");
            }
        }
    }

    /** An SSE stream like LogFollowRoute's: the log in two events, then "end" once the progression is terminal. */
    private void stream(HttpExchange exchange, UUID id, List<ExecutionView> views) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream;charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String text = logs.get(id);
        text = text.substring(0, Math.min(text.length(), streamChars));
        int half = text.length() / 2;
        for (String piece : List.of(text.substring(0, half), text.substring(half))) {
            String data = Json.mapper().writeValueAsString(Map.of("attempt", 1, "stream", "STDOUT", "text", piece));
            out.write((": following\n\nevent: log\nid: 1-1\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        if (streamResumes) {
            String data = Json.mapper().writeValueAsString(Map.of("attempt", 1,
                    "sentBytes", text.getBytes(StandardCharsets.UTF_8).length, "reason", "read too slowly"));
            out.write(("event: resume\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.close();
            return;
        }
        if (streamEndsRun) {
            synchronized (views) {
                while (views.size() > 1) {
                    ExecutionView passed = views.remove(0);
                    if (streamStates) {
                        out.write(("event: state\ndata: " + Json.mapper().writeValueAsString(passed) + "\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            }
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && !(views.size() == 1 && views.get(0).isTerminal())) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
        ExecutionView end = views.get(0);
        Map<String, Object> fields = new LinkedHashMap<>(Map.of("id", id.toString(), "state", end.state().name(),
                "attempt", 1, "logBytes", logs.get(id).getBytes(StandardCharsets.UTF_8).length));
        if (endStartedAt != null) {
            fields.put("startedAt", endStartedAt.toString());
            fields.put("finishedAt", endFinishedAt.toString());
        }
        if (endCarriesExecution) {
            fields.put("execution", end);
        }
        String data = Json.mapper().writeValueAsString(fields);
        out.write(("event: end\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.close();
    }

    /** GET /executions: newest first, state/label filters, opaque cursor (here: an index). */
    private void list(HttpExchange exchange, String query) throws IOException {
        List<String> states = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int limit = 50;
        int from = 0;
        for (String pair : query == null ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            String value = java.net.URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8);
            switch (kv[0]) {
                case "state" -> states.add(value);
                case "label" -> labels.add(value);
                case "limit" -> limit = Math.min(maxPage, Integer.parseInt(value));
                case "cursor" -> from = Integer.parseInt(value);
                default -> {
                }
            }
        }
        List<Object> matching = new ArrayList<>();
        List<UUID> newestFirst = new ArrayList<>(order);
        java.util.Collections.reverse(newestFirst);
        for (UUID id : newestFirst) {
            ExecutionView view = progressions.get(id).get(0);
            Map<String, String> l = labelsOf.getOrDefault(id, Map.of());
            if ((states.isEmpty() || states.contains(view.state().name()))
                    && labels.stream().allMatch(kv -> kv.equals(kv.split("=", 2)[0] + "=" + l.get(kv.split("=", 2)[0])))) {
                matching.add(view);
            }
        }
        int to = Math.min(matching.size(), from + limit);
        Map<String, Object> page = new java.util.HashMap<>();
        page.put("items", matching.subList(Math.min(from, to), to));
        page.put("nextCursor", to < matching.size() ? String.valueOf(to) : null);
        json(exchange, 200, page);
    }

    private void submit(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        byte[] body = exchange.getRequestBody().readAllBytes();
        List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundaryOf(contentType));
        SubmitSpec spec = Json.mapper().readValue(parts.get(0).content(), SubmitSpec.class);
        submissions.add(new Submission(spec, parts, exchange.getRequestHeaders().getFirst("Content-Length")));
        if ("cx99".equals(spec.machine())) {
            problem(exchange, Problem.of(ErrorCode.UNSCHEDULABLE,
                    "machine type 'cx99' is not allowed on this grid (allowed: cx23, cx33)"));
            return;
        }
        if ("bad/image".equals(spec.image())) {
            problem(exchange, Problem.of(ErrorCode.INVALID_SPEC, "the spec is invalid",
                    List.of(new Problem.FieldError("image", "image 'bad/image' is not allowed"))));
            return;
        }
        UUID id = UUID.randomUUID();
        List<ExecutionView> views = views(id, plan.apply(spec), spec);
        progressions.put(id, views);
        logs.put(id, logText);
        outputs.put(id, outputsTemplate);
        if (spec.labels() != null) {
            labelsOf.put(id, spec.labels());
        }
        order.add(id);
        json(exchange, 201, views.get(0));
    }

    private List<ExecutionView> views(UUID id, List<ExecutionState> states, SubmitSpec spec) {
        List<ExecutionView> views = java.util.Collections.synchronizedList(new ArrayList<>());
        for (ExecutionState state : states) {
            Integer exitCode = switch (state) {
                case SUCCEEDED -> 0;
                case FAILED -> failedExitCode;
                default -> null;
            };
            views.add(view(id, state, exitCode, spec));
        }
        return views;
    }

    private ExecutionView view(UUID id, ExecutionState state, Integer exitCode, SubmitSpec spec) {
        Instant created = Instant.parse("2025-01-01T10:00:00Z");
        boolean started = state == ExecutionState.RUNNING || state.isTerminal();
        FailureReason reason = switch (state) {
            case FAILED -> FailureReason.NONZERO_EXIT;
            case TIMED_OUT -> FailureReason.TIMEOUT;
            case CANCELLED -> FailureReason.CANCELLED;
            case LOST -> FailureReason.WORKER_LOST;
            default -> null;
        };
        ExecutionSpec resolved = new ExecutionSpec("rgrid/python:3.11-local",
                spec == null ? List.of() : spec.args(), spec == null ? Map.of() : spec.env(),
                1.0, 512, 300, NetworkMode.BRIDGE, 3, Map.of());
        return new ExecutionView(id, "default", state, 1, resolved, "hello.py", List.of(),
                state == ExecutionState.QUEUED ? null : WORKER, exitCode, reason,
                state == ExecutionState.TIMED_OUT ? "ran past 300 s" : null,
                created, created, started ? created.plusSeconds(1) : null,
                state.isTerminal() ? created.plusMillis(2200) : null,
                state.isTerminal() ? (long) logText.getBytes(StandardCharsets.UTF_8).length : null);
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", Json.mapper().writeValueAsBytes(body));
    }

    private static void problem(HttpExchange exchange, ErrorCode code, String detail) throws IOException {
        problem(exchange, Problem.of(code, detail));
    }

    private static void problem(HttpExchange exchange, Problem problem) throws IOException {
        send(exchange, problem.status(), Problem.MEDIA_TYPE, Json.mapper().writeValueAsBytes(problem));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
