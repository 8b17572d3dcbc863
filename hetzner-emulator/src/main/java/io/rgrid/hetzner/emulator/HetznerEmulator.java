package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.hetzner.emulator.Routes.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * An in-memory emulator of the Hetzner Cloud API ({@code /v1}) for tests and local runs: servers with status
 * transitions and actions, SSH keys, networks, firewalls, server types, locations and images, with the reference's
 * error bodies, pagination, label selectors and rate limiting. Never a stand-in in production.
 *
 * <pre>{@code
 * HetznerEmulator hetzner = HetznerEmulator.builder().token("test-token").build().start();
 * URI api = URI.create(hetzner.baseUrl());   // http://127.0.0.1:PORT/v1
 * ...
 * hetzner.stop();
 * }</pre>
 */
public final class HetznerEmulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HetznerEmulator.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, a client's delayed ACK then
        // adds ~40 ms to every response larger than a packet (every server list). Read once when the JDK's server
        // configuration loads, so an explicit setting by the embedding JVM wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final String host;
    private final int requestedPort;
    private final byte[] token;
    private final TokenBucket rateLimit;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService listenerExecutor;
    private final ExecutorService httpExecutor;
    private final CloudState state;
    private final Routes routes;
    private final Deque<RequestFailure> requestFailures = new ArrayDeque<>();
    private HttpServer server;

    private record RequestFailure(String method, Pattern path, ErrorCode code, String message) {
    }

    private HetznerEmulator(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.token = b.token.getBytes(StandardCharsets.UTF_8);
        this.rateLimit = new TokenBucket(b.rateLimit, b.refillPerSecond, System::nanoTime);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("hetzner-emulator-lifecycle"));
        this.listenerExecutor = Executors.newSingleThreadExecutor(daemon("hetzner-emulator-listener"));
        this.httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
        this.state = new CloudState(scheduler, listenerExecutor, b.initializingDelay, b.startingDelay, b.deleteDelay,
                b.serverLimit);
        this.routes = new Routes(state);
        state.setPublicIpv4Prefix(b.publicIpv4Prefix);
        if (b.machines != null) {
            state.setMachines(b.machines);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the HTTP server (port 0 picks a free port) and starts answering. */
    public synchronized HetznerEmulator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(host, requestedPort), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind " + host + ":" + requestedPort, e);
        }
        server.setExecutor(httpExecutor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** The API root, e.g. {@code http://127.0.0.1:43121/v1}: what a client uses instead of https://api.hetzner.cloud/v1. */
    public String baseUrl() {
        return "http://" + host + ":" + port() + "/v1";
    }

    public int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        scheduler.shutdownNow();
        listenerExecutor.shutdownNow();
        httpExecutor.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    // ---- test controls ----

    public void addListener(ServerLifecycleListener listener) {
        state.addListener(Objects.requireNonNull(listener));
    }

    public void removeListener(ServerLifecycleListener listener) {
        state.removeListener(listener);
    }

    /** The public key ({@code ssh-ed25519 AAAA...}) of an SSH key in the project, if it exists. */
    public Optional<String> sshPublicKey(long id) {
        return state.sshPublicKey(id);
    }

    /** How long a new server stays {@code initializing}, then {@code starting}, and how long a delete action runs. */
    public void setDelays(Duration initializing, Duration starting, Duration delete) {
        state.setDelays(initializing, starting, delete);
    }

    /** Further creates fail with {@code resource_limit_exceeded} once this many servers exist. */
    public void setServerLimit(int limit) {
        state.setServerLimit(limit);
    }

    /**
     * Makes the next server create that matches fail with {@code code} (e.g. {@link ErrorCode#RESOURCE_UNAVAILABLE},
     * {@link ErrorCode#PLACEMENT_ERROR}); a null location or server type matches any.
     */
    public void failNextCreate(String location, String serverType, ErrorCode code) {
        String message = switch (code) {
            case PLACEMENT_ERROR -> "error during placement";
            case RESOURCE_UNAVAILABLE -> "resource unavailable";
            default -> code.wire();
        };
        state.failNextCreate(location, serverType, code, message);
    }

    /**
     * Marks a server type as sold out in a location until cleared: creates fail with {@code resource_unavailable} and
     * the datacenter's {@code server_types.available} leaves the type out.
     */
    public void setUnavailable(String serverType, String location, boolean unavailable) {
        state.setUnavailable(serverType, location, unavailable);
    }

    /**
     * Makes the next request whose method and path (below /v1, e.g. {@code /servers/12}) match fail with
     * {@code code}: for {@code locked}, {@code conflict}, {@code server_error}, {@code timeout}, ...
     */
    public void failNextRequest(String method, String pathRegex, ErrorCode code, String message) {
        synchronized (requestFailures) {
            requestFailures.add(new RequestFailure(method, Pattern.compile(pathRegex), code, message));
        }
    }

    /** Replaces the rate-limit budget (full afterwards) and its refill rate in requests per second. */
    public void setRateLimit(long limit, double refillPerSecond) {
        rateLimit.configure(limit, refillPerSecond);
    }

    /** Every server that exists now. */
    public List<ServerInfo> servers() {
        return state.servers();
    }

    // ---- HTTP ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            TokenBucket.Outcome budget = rateLimit.take();
            var headers = ex.getResponseHeaders();
            headers.set("RateLimit-Limit", Long.toString(budget.limit()));
            headers.set("RateLimit-Remaining", Long.toString(budget.remaining()));
            headers.set("RateLimit-Reset", Long.toString(budget.resetEpochSecond()));
            Response response;
            try {
                if (!budget.admitted()) {
                    throw new ApiError(ErrorCode.RATE_LIMIT_EXCEEDED, "limit of " + budget.limit() + " requests per hour reached");
                }
                response = dispatch(ex);
            } catch (ApiError e) {
                response = new Response(e.httpStatus(), e.body());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "emulator failed on " + ex.getRequestMethod() + " " + ex.getRequestURI(), e);
                response = new Response(500, new ApiError(ErrorCode.SERVER_ERROR, "internal server error").body());
            }
            if (response.link() != null) {
                headers.set("Link", response.link());
            }
            if (response.body() == null) {
                ex.sendResponseHeaders(response.status(), -1);
                return;
            }
            byte[] bytes = MAPPER.writeValueAsBytes(response.body());
            headers.set("Content-Type", "application/json");
            ex.sendResponseHeaders(response.status(), bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Response dispatch(HttpExchange ex) throws IOException {
        URI uri = ex.getRequestURI();
        String rawPath = uri.getRawPath();
        if (!rawPath.equals("/v1") && !rawPath.startsWith("/v1/")) {
            throw ApiError.notFound("not found");
        }
        authenticate(ex.getRequestHeaders().getFirst("Authorization"));
        String path = rawPath.substring(3);
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        String method = ex.getRequestMethod();
        JsonNode body = null;
        if (method.equals("POST") || method.equals("PUT")) {
            body = readJson(ex.getRequestBody());
        }
        Request req = new Request(method, path, segments, parseQuery(uri.getRawQuery()), body, baseUrl());
        injectedFailure(method, path);
        return routes.answer(req);
    }

    private void authenticate(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            throw new ApiError(ErrorCode.UNAUTHORIZED, "unable to authenticate");
        }
        byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            throw new ApiError(ErrorCode.UNAUTHORIZED, "unable to authenticate");
        }
    }

    private void injectedFailure(String method, String path) {
        synchronized (requestFailures) {
            for (var it = requestFailures.iterator(); it.hasNext(); ) {
                RequestFailure f = it.next();
                if (f.method().equalsIgnoreCase(method) && f.path().matcher(path).matches()) {
                    it.remove();
                    throw new ApiError(f.code(), f.message());
                }
            }
        }
    }

    private static JsonNode readJson(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        if (bytes.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiError(ErrorCode.JSON_ERROR, "invalid JSON input: " + e.getOriginalMessage());
        }
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return q;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Configuration; every value has a default that suits tests. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private String token = "emulator-token";
        private long rateLimit = 3600;
        private double refillPerSecond = 1.0;
        private Duration initializingDelay = Duration.ofMillis(200);
        private Duration startingDelay = Duration.ofMillis(200);
        private Duration deleteDelay = Duration.ofMillis(200);
        private int serverLimit = 100;
        private String publicIpv4Prefix = "203.0.113.";
        private ServerMachines machines;

        /** Address to bind; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Port to bind; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The only accepted API token; default {@code emulator-token}. */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token);
            return this;
        }

        /** Budget (RateLimit-Limit, default 3600) and refill in requests per second (default 1, the reference's). */
        public Builder rateLimit(long limit, double refillPerSecond) {
            this.rateLimit = limit;
            this.refillPerSecond = refillPerSecond;
            return this;
        }

        /** Time in {@code initializing} (create action) and in {@code starting} (start action); default 200 ms each. */
        public Builder bootDelays(Duration initializing, Duration starting) {
            this.initializingDelay = initializing;
            this.startingDelay = starting;
            return this;
        }

        /** How long a delete_server action runs; default 200 ms. The server itself is gone at once. */
        public Builder deleteDelay(Duration delete) {
            this.deleteDelay = delete;
            return this;
        }

        /** Servers the project may hold before resource_limit_exceeded; default 100. */
        public Builder serverLimit(int limit) {
            this.serverLimit = limit;
            return this;
        }

        /**
         * First three octets of new servers' public IPv4 addresses, e.g. {@code 127.0.100} so that
         * each server's address is a distinct loopback address a {@link LocalServerBoot} sshd can
         * listen on. Default {@code 203.0.113} (documentation range, never routable).
         */
        public Builder publicIpv4Prefix(String firstThreeOctets) {
            String p = firstThreeOctets.endsWith(".") ? firstThreeOctets : firstThreeOctets + ".";
            if (!p.matches("(25[0-5]\\.|2[0-4][0-9]\\.|1?[0-9]?[0-9]\\.){3}")) {
                throw new IllegalArgumentException("not three IPv4 octets: " + firstThreeOctets);
            }
            this.publicIpv4Prefix = p;
            return this;
        }

        /**
         * Servers become machines of this backend (e.g. {@link ContainerMachines}): the boot follows the machine's
         * real boot instead of the boot delays, every server must join a network, its public IPv4 is its private
         * address, and a delete removes its machine. Default: none, all in memory.
         */
        public Builder machines(ServerMachines machines) {
            this.machines = Objects.requireNonNull(machines);
            return this;
        }

        public HetznerEmulator build() {
            return new HetznerEmulator(this);
        }
    }

    /** Runs the emulator until killed; the options are {@link CommandLine}'s. */
    public static void main(String[] args) throws InterruptedException {
        CommandLine.run(args);
    }
}
