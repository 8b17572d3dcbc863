package io.rgrid.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.api.ApiPaths;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The API's side of one successful hello run, for the training of the CLI's ahead-of-time cache
 * only ({@link AotTraining}): a loopback server that answers the calls of {@code rgrid run} the
 * way api-service does (the bodies are the API's own, captured from a local grid, with fixed ids
 * and times): the submission (201, QUEUED), the live log stream (two state events, the log, the
 * end with the final execution), the execution, its output listing and one output's bytes.
 *
 * <p>Why a whole run: the training of a cache stores the classes a run loads and links, and the
 * call sites it resolves. Trained on a refused submission only, every {@code rgrid run} then
 * loaded the stream, follower and download classes from the jar and spun their method handles at
 * run time, ~100 ms of a hello run (cli/README.md, "The ahead-of-time cache"). Anything else is a
 * problem+json 404, so a change to the CLI's calls shows up as a failed training run
 * ({@code AotTrainingTest}), never as a wrong answer here.
 */
final class TrainingApi implements AutoCloseable {

    static final String ID = "01a24c4e-74bf-743f-92ac-db8f1df4e828";
    static final String LOG = "Hello from RGrid!\n";
    static final String OUTPUT_NAME = "result.txt";
    static final String OUTPUT = "42\n";

    private static final String SPEC = "{\"image\":\"rgrid/python:3.11-local\",\"args\":[],\"env\":{},\"cpus\":1.0,"
            + "\"memoryMb\":512,\"timeoutSeconds\":3600,\"network\":\"bridge\",\"maxAttempts\":3,\"labels\":{},"
            + "\"machine\":null}";
    private static final String STARTED = "2026-12-06T17:02:19.904950Z";
    private static final String FINISHED = "2026-12-06T17:02:20.234452Z";

    private final HttpServer server;

    private TrainingApi(HttpServer server) {
        this.server = server;
    }

    static TrainingApi start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        TrainingApi api = new TrainingApi(server);
        server.createContext("/", api::answer);
        server.start();
        return api;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStream.nullOutputStream());
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String execution = ApiPaths.EXECUTIONS + "/" + ID;
            if (method.equals("POST") && path.equals(ApiPaths.EXECUTIONS)) {
                send(exchange, 201, "application/json", view("QUEUED", null));
            } else if (method.equals("GET") && path.equals(execution + "/logs")
                    && "follow=true".equals(exchange.getRequestURI().getQuery())) {
                stream(exchange);
            } else if (method.equals("GET") && path.equals(execution)) {
                send(exchange, 200, "application/json", view("SUCCEEDED", "rgrid-worker-r1qb04"));
            } else if (method.equals("GET") && path.equals(execution + "/outputs")) {
                send(exchange, 200, "application/json", "{\"executionId\":\"" + ID + "\",\"attempt\":1,\"outputs\":["
                        + "{\"name\":\"" + OUTPUT_NAME + "\",\"size\":" + OUTPUT.length() + ",\"etag\":\"e1\","
                        + "\"lastModified\":\"" + FINISHED + "\"}]}");
            } else if (method.equals("GET") && path.equals(execution + "/outputs/" + OUTPUT_NAME)) {
                send(exchange, 200, "application/octet-stream", OUTPUT);
            } else {
                send(exchange, 404, "application/problem+json", "{\"type\":\"about:blank\",\"title\":\"Not Found\","
                        + "\"status\":404,\"code\":\"not_found\",\"detail\":\"the training API has no " + method + " "
                        + path + "\"}");
            }
        }
    }

    /** As LogFollowRoute sends it: the states as they pass, the log, then the end with the final execution. */
    private static void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream;charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String assigned = view("ASSIGNED", "rgrid-worker-r1qb04");
        String running = view("RUNNING", "rgrid-worker-r1qb04");
        String log = "{\"attempt\":1,\"stream\":\"STDOUT\",\"text\":\"" + LOG.replace("\n", "\\n") + "\"}";
        String end = "{\"id\":\"" + ID + "\",\"state\":\"SUCCEEDED\",\"attempt\":1,\"exitCode\":0,\"reason\":null,"
                + "\"startedAt\":\"" + STARTED + "\",\"finishedAt\":\"" + FINISHED + "\",\"logBytes\":" + LOG.length()
                + ",\"logLastSeq\":0,\"sentBytes\":" + LOG.length() + ",\"execution\":"
                + view("SUCCEEDED", "rgrid-worker-r1qb04") + "}";
        String events = ": following execution " + ID + "\n\n"
                + "event: state\ndata: " + assigned + "\n\n"
                + "event: state\ndata: " + running + "\n\n"
                + "event: log\nid: 1-1\ndata: " + log + "\n\n"
                + "event: end\ndata: " + end + "\n\n";
        out.write(events.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String view(String state, String worker) {
        boolean ran = state.equals("SUCCEEDED");
        boolean started = ran || state.equals("RUNNING");
        return "{\"id\":\"" + ID + "\",\"projectId\":\"default\",\"state\":\"" + state + "\",\"attempt\":1,"
                + "\"spec\":" + SPEC + ",\"scriptName\":\"hello.py\",\"inputs\":[],"
                + "\"workerId\":" + quoted(worker) + ",\"exitCode\":" + (ran ? "0" : "null")
                + ",\"reason\":null,\"message\":null,\"createdAt\":\"2026-12-06T17:02:19.851550Z\","
                + "\"updatedAt\":\"2026-12-06T17:02:20.258218Z\",\"startedAt\":" + quoted(started ? STARTED : null)
                + ",\"finishedAt\":" + quoted(ran ? FINISHED : null) + ",\"logBytes\":" + (ran ? LOG.length() : "null") + "}";
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
