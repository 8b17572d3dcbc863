package io.rgrid.orchestrator.provider.hetzner.api;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Action;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Meta;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Server;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The Hetzner Cloud API as the provider uses it: every call takes its rate-limit budget first
 * ({@link RateLimiter}), a 429 is retried after the back-off, transient errors ({@code locked},
 * {@code conflict}, 5xx codes, connection failures) are retried a few times for calls that are
 * safe to repeat (never a create), lists follow {@code meta.pagination.next_page}, and actions
 * are polled until {@code success} or {@code error}.
 */
public final class HetznerCloud {

    private static final Logger LOG = Logger.getLogger(HetznerCloud.class);
    /** The API's largest page. */
    static final int PER_PAGE = 50;
    private static final int TRANSIENT_ATTEMPTS = 3;
    private static final Set<String> TRANSIENT = Set.of("locked", "conflict", "server_error", "service_error",
            "unavailable", "timeout", "maintenance", "unreachable");

    private final HetznerApi api;
    private final RateLimiter limiter;
    private final Duration maxRateLimitWait;
    private final Duration pollInterval;

    public HetznerCloud(HetznerApi api, RateLimiter limiter, Duration maxRateLimitWait, Duration pollInterval) {
        this.api = api;
        this.limiter = limiter;
        this.maxRateLimitWait = maxRateLimitWait;
        this.pollInterval = pollInterval;
    }

    /** A client for {@code baseUrl} authenticating with {@code token} (kept in a filter, never printed). */
    public static HetznerCloud connect(String baseUrl, String token, int requestsPerHour, Duration maxRateLimitWait,
                                       Duration pollInterval) {
        HetznerApi api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(baseUrl))
                .register(new BearerToken(token))
                .connectTimeout(10, TimeUnit.SECONDS)
                .readTimeout(60, TimeUnit.SECONDS)
                .build(HetznerApi.class);
        return new HetznerCloud(api, new RateLimiter(requestsPerHour), maxRateLimitWait, pollInterval);
    }

    /** Adds {@code Authorization: Bearer ...}; its toString never shows the token. */
    static final class BearerToken implements ClientRequestFilter {
        private final String header;

        BearerToken(String token) {
            this.header = "Bearer " + token;
        }

        @Override
        public void filter(ClientRequestContext request) {
            request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, header);
        }

        @Override
        public String toString() {
            return "BearerToken[***]";
        }
    }

    /** How many 429 answers this client had (each one was waited out and retried). */
    public long throttled() {
        return limiter.throttled();
    }

    // ---- servers ----

    /** Not retried: a create that timed out may have happened (the name's uniqueness then tells). */
    public ApiModel.ServerResponse createServer(ApiModel.CreateServerRequest request) {
        return call("create server " + request.name(), () -> api.createServer(request), false);
    }

    public Optional<Server> server(long id) {
        try {
            return Optional.of(call("get server " + id, () -> api.getServer(id), true).server());
        } catch (HetznerApiException e) {
            if (e.is("not_found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every server matching {@code labelSelector}, all pages. */
    public List<Server> servers(String labelSelector) {
        return pages("list servers", page -> api.listServers(labelSelector, null, page, PER_PAGE),
                ApiModel.ServersResponse::servers, ApiModel.ServersResponse::meta);
    }

    public Optional<Server> serverNamed(String name) {
        return pages("find server " + name, page -> api.listServers(null, name, page, PER_PAGE),
                ApiModel.ServersResponse::servers, ApiModel.ServersResponse::meta).stream().findFirst();
    }

    public Server updateLabels(long id, Map<String, String> labels) {
        return call("label server " + id, () -> api.updateServer(id, new ApiModel.UpdateServerRequest(null, labels)),
                true).server();
    }

    /** Deletes a server; @return its delete action, or empty when it was already gone. */
    public Optional<Action> deleteServer(long id) {
        try {
            return Optional.ofNullable(call("delete server " + id, () -> api.deleteServer(id), true).action());
        } catch (HetznerApiException e) {
            if (e.is("not_found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // ---- actions ----

    public Action action(long id) {
        return call("get action " + id, () -> api.getAction(id), true).action();
    }

    /**
     * The actions on servers still running, deleted servers' included: a delete action outlives
     * its server, which the API stops listing at once.
     */
    public List<Action> runningServerActions() {
        return pages("list running server actions", page -> api.listServerActions("running", page, PER_PAGE),
                ApiModel.ActionsResponse::actions, ApiModel.ActionsResponse::meta);
    }

    public List<Action> actions(List<Long> ids) {
        return call("get actions " + ids, () -> api.getActions(ids), true).actions();
    }

    /**
     * Polls an action until it ends.
     *
     * @return the finished action ({@code success} or {@code error}; the caller decides)
     * @throws ActionTimeout when it is still running after {@code timeout}
     */
    public Action awaitAction(Action action, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Action current = action;
        while (!current.done()) {
            if (Instant.now().isAfter(deadline)) {
                throw new ActionTimeout(current, timeout);
            }
            Thread.sleep(pollInterval.toMillis());
            current = action(current.id());
        }
        return current;
    }

    /** An action did not end in time. */
    public static final class ActionTimeout extends RuntimeException {
        public ActionTimeout(Action action, Duration timeout) {
            super("Hetzner action " + action.id() + " (" + action.command() + ") still " + action.status() + " at "
                    + action.progress() + "% after " + timeout);
        }
    }

    // ---- catalog, keys, networks, firewalls ----

    public List<ApiModel.ServerType> serverTypes() {
        return pages("list server types", page -> api.listServerTypes(page, PER_PAGE),
                ApiModel.ServerTypesResponse::serverTypes, ApiModel.ServerTypesResponse::meta);
    }

    public Optional<ApiModel.SshKey> sshKeyNamed(String name) {
        return pages("find SSH key " + name, page -> api.listSshKeys(name, null, page, PER_PAGE),
                ApiModel.SshKeysResponse::sshKeys, ApiModel.SshKeysResponse::meta).stream().findFirst();
    }

    public Optional<ApiModel.SshKey> sshKeyWithFingerprint(String fingerprint) {
        return pages("find SSH key " + fingerprint, page -> api.listSshKeys(null, fingerprint, page, PER_PAGE),
                ApiModel.SshKeysResponse::sshKeys, ApiModel.SshKeysResponse::meta).stream().findFirst();
    }

    public ApiModel.SshKey createSshKey(ApiModel.CreateSshKeyRequest request) {
        return call("create SSH key " + request.name(), () -> api.createSshKey(request), false).sshKey();
    }

    public Optional<ApiModel.Network> networkNamed(String name) {
        return pages("find network " + name, page -> api.listNetworks(name, page, PER_PAGE),
                ApiModel.NetworksResponse::networks, ApiModel.NetworksResponse::meta).stream().findFirst();
    }

    public ApiModel.Network createNetwork(ApiModel.CreateNetworkRequest request) {
        return call("create network " + request.name(), () -> api.createNetwork(request), false).network();
    }

    public Optional<ApiModel.Firewall> firewallNamed(String name) {
        return pages("find firewall " + name, page -> api.listFirewalls(name, page, PER_PAGE),
                ApiModel.FirewallsResponse::firewalls, ApiModel.FirewallsResponse::meta).stream().findFirst();
    }

    public ApiModel.Firewall createFirewall(ApiModel.CreateFirewallRequest request) {
        return call("create firewall " + request.name(), () -> api.createFirewall(request), false).firewall();
    }

    // ---- plumbing ----

    private <R, T> List<T> pages(String what, IntFunction<RestResponse<R>> fetch, Function<R, List<T>> items,
                                 Function<R, Meta> meta) {
        List<T> out = new ArrayList<>();
        Integer page = 1;
        while (page != null) {
            int current = page;
            R body = call(what + " (page " + current + ")", () -> fetch.apply(current), true);
            List<T> got = items.apply(body);
            if (got != null) {
                out.addAll(got);
            }
            Meta m = meta.apply(body);
            Integer next = m == null || m.pagination() == null ? null : m.pagination().nextPage();
            page = next != null && next > current ? next : null;
        }
        return out;
    }

    /**
     * One request: waits for budget, retries 429s until {@code maxRateLimitWait} is spent, and
     * transient errors up to 3 attempts when {@code repeatable}.
     */
    private <T> T call(String what, Supplier<RestResponse<T>> request, boolean repeatable) {
        Instant deadline = Instant.now().plus(maxRateLimitWait);
        int throttledAttempts = 0;
        int transientAttempts = 0;
        while (true) {
            try {
                limiter.acquire(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HetznerApiException(0, "interrupted", what + " interrupted", null, null);
            } catch (RateLimiter.RateLimitWaitExceeded e) {
                throw new HetznerApiException(429, "rate_limit_exceeded", what + ": " + e.getMessage()
                        + " (waited up to rgrid.orchestrator.hetzner.max-rate-limit-wait = " + maxRateLimitWait + ")",
                        null, null);
            }
            HetznerApiException failure;
            try {
                RestResponse<T> response = request.get();
                limiter.observe(RateLimitHeaders.of(response::getHeaderString));
                return response.getEntity();
            } catch (HetznerApiException e) {
                limiter.observe(e.rateLimit());
                failure = e;
            } catch (ProcessingException e) {
                // Connection refused, reset, timed out: the message names the host, never a header.
                failure = new HetznerApiException(0, "unreachable", what + ": " + rootMessage(e), null, null);
            }
            if (failure.status() == 429 || failure.is("rate_limit_exceeded")) {
                throttledAttempts++;
                limiter.tooManyRequests(failure.rateLimit(), throttledAttempts);
                LOG.debugf("%s: rate limited (429), retry %d after back-off", what, throttledAttempts);
                continue;
            }
            if (repeatable && TRANSIENT.contains(failure.code()) && ++transientAttempts < TRANSIENT_ATTEMPTS) {
                LOG.infof("%s: %s, trying again", what, failure.getMessage());
                sleep(Duration.ofMillis(500L * transientAttempts));
                continue;
            }
            throw failure;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
