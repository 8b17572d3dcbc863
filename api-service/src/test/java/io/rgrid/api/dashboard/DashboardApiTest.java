package io.rgrid.api.dashboard;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.cluster.ClusterRepository;
import io.rgrid.api.cluster.QueueSampler;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.keys.KeyHasher;
import io.rgrid.api.session.SessionService;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * The dashboard's server side: the static pages and their headers, the session cookie and its
 * CSRF token, revocation, the timeline, the project filter, queue samples, cost per day,
 * heartbeats on /workers and the live event stream. The pages themselves are driven in a real
 * browser by e2e-tests (DashboardBrowserTest).
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class DashboardApiTest {

    private static final String SESSION = ApiPaths.BASE + "/session";

    @Inject
    ApiTestSupport servers;

    @Inject
    KeyHasher hasher;

    @Inject
    QueueSampler sampler;

    @Inject
    Transactions tx;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ClusterRepository cluster;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void thePagesAreServedAtTheRootWithStrictHeaders() {
        Response index = given().get("/");
        index.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/html"));
        assertThat(index.asString()).contains("id=\"login-form\"", "app.js").doesNotContain("http://", "https://");
        assertThat(index.header("Content-Security-Policy")).contains("script-src 'self'", "frame-ancestors 'none'");
        assertThat(index.header("X-Content-Type-Options")).isEqualTo("nosniff");
        given().get("/app.js").then().statusCode(200);
        given().get("/app.css").then().statusCode(200);
        // Nothing from elsewhere: no CDN, no external fonts.
        for (String asset : List.of("/app.js", "/app.css", "/")) {
            assertThat(given().get(asset).asString().replace("http://www.w3.org/2000/svg", "")).as(asset)
                    .doesNotContain("http://", "https://");
        }
        given().get("/no-such-page.html").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void theLoginExchangesAKeyForAStrictHttpOnlyCookieAndMutationsNeedTheCsrfHeader() throws Exception {
        expect(given().contentType(ContentType.JSON).body(Map.of("key", "not-a-key")).post(SESSION), 401, "UNAUTHENTICATED");
        expect(given().contentType(ContentType.JSON).body("{}").post(SESSION), 400, "MALFORMED_REQUEST");
        expect(given().contentType(ContentType.JSON).body("{\"key\": ").post(SESSION), 400, "MALFORMED_REQUEST");
        expect(given().contentType(ContentType.TEXT).body("key=" + adminKey).post(SESSION), 415, "UNSUPPORTED_MEDIA_TYPE");
        expect(given().get(SESSION), 401, "UNAUTHENTICATED");

        Response login = given().contentType(ContentType.JSON).body(Map.of("key", adminKey)).post(SESSION);
        login.then().statusCode(201).body("admin", equalTo(true)).body("via", equalTo("session"));
        String setCookie = login.header("Set-Cookie");
        assertThat(setCookie).startsWith(SessionService.COOKIE + "=").contains("HttpOnly", "SameSite=Strict", "Path=/api/v1")
                .doesNotContain("Secure");
        String cookie = login.cookie(SessionService.COOKIE);
        String csrf = login.jsonPath().getString("csrfToken");
        assertThat(csrf).hasSizeGreaterThan(30);
        // Only hashes are stored.
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ?", cookie)).isZero();
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE key_hash = ?", adminKey)).isZero();

        // Behind nginx (X-Forwarded-Proto: https) the cookie is Secure.
        assertThat(given().header("X-Forwarded-Proto", "https").contentType(ContentType.JSON).body(Map.of("key", adminKey))
                .post(SESSION).header("Set-Cookie")).contains("; Secure");

        session(cookie).get(SESSION).then().statusCode(200).body("csrfToken", equalTo(csrf)).body("admin", equalTo(true));
        UUID id = submit(session(cookie).header(SessionService.CSRF_HEADER, csrf)).then().statusCode(201).extract()
                .jsonPath().getUUID("id");
        session(cookie).get(ApiPaths.execution(id.toString())).then().statusCode(200);

        // A mutation without (or with a wrong) CSRF token is refused and changes nothing.
        long executions = servers.executionRows();
        expect(submit(session(cookie)), 403, "FORBIDDEN");
        expect(session(cookie).post(ApiPaths.cancel(id.toString())), 403, "FORBIDDEN");
        expect(session(cookie).header(SessionService.CSRF_HEADER, csrf + "x").post(ApiPaths.cancel(id.toString())), 403, "FORBIDDEN");
        assertThat(servers.executionRows()).isEqualTo(executions);
        assertThat(servers.rows("SELECT count(*) FROM api.executions WHERE id = ? AND cancel_requested_at IS NOT NULL", id)).isZero();
        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key = ? AND event_type = 'ExecutionCancelRequested'",
                id.toString())).isZero();

        session(cookie).header(SessionService.CSRF_HEADER, csrf).post(ApiPaths.cancel(id.toString())).then().statusCode(202);
        assertThat(servers.rows("SELECT count(*) FROM api.executions WHERE id = ? AND cancel_requested_at IS NOT NULL", id)).isOne();

        // A bearer header wins over the cookie and needs no CSRF token (browsers never add it by themselves).
        Keys.as(adminKey).cookie(SessionService.COOKIE, "garbage").get(SESSION).then().statusCode(200).body("via", equalTo("bearer"));

        // Logout ends the session and clears the cookie.
        Response logout = session(cookie).header(SessionService.CSRF_HEADER, csrf).delete(SESSION);
        logout.then().statusCode(204);
        assertThat(logout.header("Set-Cookie")).contains(SessionService.COOKIE + "=;", "Max-Age=0");
        expect(session(cookie).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        expect(session("made-up").get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
    }

    @Test
    void revokingAProjectKeyEndsItsSessionsAndAProjectSeesOnlyItsOwn() throws Exception {
        String alpha = Keys.freshProject("dash-a");
        String beta = Keys.freshProject("dash-b");
        Response created = Keys.as(adminKey).contentType(ContentType.JSON).body(Map.of("project", alpha, "name", "browser"))
                .post(ApiPaths.BASE + "/keys");
        String alphaKey = created.jsonPath().getString("key");
        String alphaKeyId = created.jsonPath().getString("id");
        String betaKey = Keys.create(adminKey, beta);
        UUID betaExecution = submit(Keys.as(betaKey)).then().statusCode(201).extract().jsonPath().getUUID("id");
        UUID alphaExecution = submit(Keys.as(alphaKey)).then().statusCode(201).extract().jsonPath().getUUID("id");

        Response login = given().contentType(ContentType.JSON).body(Map.of("key", alphaKey)).post(SESSION);
        login.then().statusCode(201).body("project", equalTo(alpha)).body("admin", equalTo(false));
        String cookie = login.cookie(SessionService.COOKIE);

        // Tenancy through the cookie as through the key: B's execution looks missing, B's filter is empty.
        expect(session(cookie).get(ApiPaths.execution(betaExecution.toString())), 404, "NOT_FOUND");
        expect(session(cookie).get(ApiPaths.execution(betaExecution.toString()) + "/transitions"), 404, "NOT_FOUND");
        expect(Keys.as(alphaKey).get(ApiPaths.execution(betaExecution.toString()) + "/transitions"), 404, "NOT_FOUND");
        session(cookie).get(ApiPaths.EXECUTIONS + "?project=" + beta).then().statusCode(200).body("items.size()", equalTo(0));
        session(cookie).get(ApiPaths.EXECUTIONS).then().statusCode(200).body("items.id", hasItem(alphaExecution.toString()))
                .body("items.id", not(hasItem(betaExecution.toString())));
        // The admin's project filter.
        Keys.as(adminKey).get(ApiPaths.EXECUTIONS + "?project=" + beta).then().statusCode(200)
                .body("items.id", equalTo(List.of(betaExecution.toString())));
        expect(Keys.as(adminKey).get(ApiPaths.EXECUTIONS + "?project=Not%20Valid"), 400, "MALFORMED_REQUEST");

        // The timeline of its own execution.
        session(cookie).get(ApiPaths.execution(alphaExecution.toString()) + "/transitions").then().statusCode(200)
                .body("items[0].to", equalTo("QUEUED")).body("items[0].attempt", equalTo(1)).body("items[0].reportedBy", equalTo("api"));

        Keys.as(adminKey).delete(ApiPaths.BASE + "/keys/" + alphaKeyId).then().statusCode(200);
        expect(session(cookie).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        expect(given().contentType(ContentType.JSON).body(Map.of("key", alphaKey)).post(SESSION), 401, "UNAUTHENTICATED");
    }

    @Test
    void anExpiredOrIdleSessionIsRefusedLikeAnUnknownOneAndItsRowIsDeleted() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("dash-x"));

        // Past its absolute end (rgrid.dashboard.session-ttl).
        String ended = login(key);
        String endedHash = hasher.hash(ended);
        session(ended).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        servers.execute("UPDATE api.sessions SET expires_at = now() - interval '1 second' WHERE id_hash = '" + endedHash + "'");
        expect(session(ended).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ?", endedHash)).isZero();

        // Unused for longer than the idle timeout (2h by default), although its absolute end is hours away.
        String idle = login(key);
        String idleHash = hasher.hash(idle);
        servers.execute("UPDATE api.sessions SET last_used_at = now() - interval '2 hours 1 minute' WHERE id_hash = '"
                + idleHash + "'");
        expect(session(idle).get(SESSION), 401, "UNAUTHENTICATED");
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ?", idleHash)).isZero();

        // Used just inside the idle timeout: still valid, and the use moves the idle time forward...
        String used = login(key);
        String usedHash = hasher.hash(used);
        servers.execute("UPDATE api.sessions SET last_used_at = now() - interval '1 hour 59 minutes' WHERE id_hash = '"
                + usedHash + "'");
        session(used).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ? AND last_used_at > now() - interval '1 minute'",
                usedHash)).isOne();
        // ...but a use recorded less than a minute ago is not written again.
        servers.execute("UPDATE api.sessions SET last_used_at = now() - interval '30 seconds' WHERE id_hash = '" + usedHash + "'");
        session(used).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ? AND last_used_at < now() - interval '29 seconds'",
                usedHash)).isOne();
    }

    private static String login(String key) {
        return given().contentType(ContentType.JSON).body(Map.of("key", key)).post(SESSION).then().statusCode(201)
                .extract().cookie(SessionService.COOKIE);
    }

    @Test
    void queueSamplesAreKeptPerProjectAndServedForTheLastHour() throws Exception {
        String project = Keys.freshProject("dash-q");
        String key = Keys.create(adminKey, project);
        submit(Keys.as(key)).then().statusCode(201);
        submit(Keys.as(key)).then().statusCode(201);
        // A sample time of its own (the scheduled sampler may have taken the current one between the submissions).
        Instant at = Instant.now().plus(Duration.ofMinutes(10));
        sampler.sampleAt(at);
        submit(Keys.as(key)).then().statusCode(201);
        sampler.sampleAt(at); // a second instance in the same interval writes nothing more

        Response mine = Keys.as(key).get(ApiPaths.BASE + "/queue/history");
        mine.then().statusCode(200).body("intervalSeconds", equalTo(15));
        List<Integer> queued = mine.jsonPath().getList("samples.queued", Integer.class);
        assertThat(queued).isNotEmpty();
        assertThat(queued.getLast()).isEqualTo(2);
        assertThat(Keys.as(adminKey).get(ApiPaths.BASE + "/queue/history?minutes=5").jsonPath()
                .getList("samples.queued", Integer.class).getLast()).isGreaterThanOrEqualTo(2);
        // Another project saw none of them at that time.
        String other = Keys.create(adminKey, Keys.freshProject("dash-r"));
        assertThat(Keys.as(other).get(ApiPaths.BASE + "/queue/history").jsonPath().getList("samples.queued", Integer.class))
                .containsOnly(0);
        for (String bad : List.of("0", "1441", "x", "-1")) {
            expect(Keys.as(key).get(ApiPaths.BASE + "/queue/history?minutes=" + bad), 400, "MALFORMED_REQUEST");
        }
    }

    @Test
    void costPerDayIsTheGrowthOfTheRunningTotalAndWorkersShowTheirHeartbeat() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant yesterdayNoon = today.minusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC);
        Instant now = Instant.now();
        tx.inTransaction(c -> {
            // Other tests publish snapshots an hour ahead; start from none (this test owns the rows it checks).
            c.createStatement().execute("DELETE FROM api.cost_days; DELETE FROM api.cost_snapshot");
            cluster.upsertCost(c, new CostSnapshot(yesterdayNoon.minusSeconds(3600), 0.5, Map.of()), yesterdayNoon);
            cluster.upsertCost(c, new CostSnapshot(yesterdayNoon, 1.25, Map.of()), yesterdayNoon);
            cluster.upsertCost(c, new CostSnapshot(now, 2.0, Map.of("rgrid-worker-dash01", 0.75)), now);
            // An older snapshot arriving late changes nothing.
            cluster.upsertCost(c, new CostSnapshot(yesterdayNoon.minusSeconds(60), 0.9, Map.of()), yesterdayNoon);
            return null;
        });
        Response daily = Keys.as(adminKey).get(ApiPaths.BASE + "/cost/daily?days=3");
        daily.then().statusCode(200);
        assertThat(daily.jsonPath().getList("items.day", String.class))
                .containsExactly(today.minusDays(2).toString(), today.minusDays(1).toString(), today.toString());
        assertThat(daily.jsonPath().getList("items.eur", Double.class)).containsExactly(0.0, 1.25, 0.75);
        assertThat(daily.jsonPath().getDouble("totalEur")).isEqualTo(2.0);
        assertThat(Keys.as(adminKey).get(ApiPaths.BASE + "/cost/daily?days=1").jsonPath().getList("items.eur", Double.class))
                .containsExactly(0.75);
        expect(Keys.as(adminKey).get(ApiPaths.BASE + "/cost/daily?days=400"), 400, "MALFORMED_REQUEST");

        String worker = "rgrid-worker-dash01";
        servers.publish(io.rgrid.model.Topics.CLUSTER, new WorkerLifecycleChanged(worker, WorkerState.READY, "local", "local",
                now.minusSeconds(3725), 0.75, null));
        servers.publish(io.rgrid.model.Topics.WORKER_HEARTBEATS, new WorkerHeartbeat(worker, "http://127.0.0.1:1", 4, 1.0, 512,
                List.of(new WorkerHeartbeat.RunningAttempt(UUID.randomUUID(), 1)), "test", "docker", false));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Response workers = Keys.as(adminKey).get(ApiPaths.BASE + "/workers");
            Map<String, Object> w = workers.jsonPath().getMap("items.find { it.id == '" + worker + "' }");
            assertThat(w).isNotNull();
            assertThat(w.get("slots")).isEqualTo(4);
            assertThat(w.get("slotsInUse")).isEqualTo(1);
            assertThat(((Number) w.get("heartbeatAgeSeconds")).longValue()).isBetween(0L, 30L);
            assertThat(((Number) w.get("uptimeSeconds")).longValue()).isGreaterThanOrEqualTo(3725L);
            assertThat(((Number) w.get("billingHourSeconds")).longValue()).isBetween(125L, 3599L);
            assertThat(w.get("costEur")).isEqualTo(0.75f);
        });
    }

    @Test
    void theEventStreamSendsTheCallersExecutionsAsTheyChangeAndTheClusterSummary() throws Exception {
        String alpha = Keys.freshProject("dash-e");
        String alphaKey = Keys.create(adminKey, alpha);
        String betaKey = Keys.create(adminKey, Keys.freshProject("dash-f"));
        String cookie = given().contentType(ContentType.JSON).body(Map.of("key", alphaKey)).post(SESSION).cookie(SessionService.COOKIE);

        try (EventStream events = EventStream.open(cookie)) {
            List<String> lines = events.lines();
            assertThat(events.response().statusCode()).isEqualTo(200);
            assertThat(events.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("event: cluster"));
            UUID mine = submit(Keys.as(alphaKey)).then().statusCode(201).extract().jsonPath().getUUID("id");
            UUID theirs = submit(Keys.as(betaKey)).then().statusCode(201).extract().jsonPath().getUUID("id");
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
                    && l.contains(mine.toString()) && l.contains("\"QUEUED\"")));
            servers.publishStatus(new ExecutionStatusChanged(mine, 1, ExecutionState.ASSIGNED, "rgrid-worker-abc123", null, null,
                    null, ExecutionStatusChanged.ORCHESTRATOR, Instant.now()));
            await().atMost(Duration.ofSeconds(15)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
                    && l.contains(mine.toString()) && l.contains("\"ASSIGNED\"")));
            assertThat(lines).noneMatch(l -> l.contains(theirs.toString()));
            // Unauthenticated: no stream.
            expect(given().get(ApiPaths.BASE + "/events"), 401, "UNAUTHENTICATED");
        }
    }

    @Test
    void theEventStreamSendsAChangeWhoseTransactionCommitsAfterLaterChangesWereSent() throws Exception {
        String project = Keys.freshProject("dash-l");
        String key = Keys.create(adminKey, project);
        String cookie = login(key);
        UUID late = submit(Keys.as(key)).then().statusCode(201).extract().jsonPath().getUUID("id");

        try (EventStream events = EventStream.open(cookie); Connection slow = dataSource.getConnection()) {
            List<String> lines = events.lines();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("event: cluster"));
            // A status change whose transaction stays open: its transition takes its sequence id now,
            // and its updated_at is a minute old by the time it commits (far behind any look-back).
            slow.setAutoCommit(false);
            try (Statement st = slow.createStatement()) {
                st.executeUpdate("UPDATE api.executions SET state = 'ASSIGNED', worker_id = 'rgrid-worker-late01', "
                        + "updated_at = now() - interval '1 minute' WHERE id = '" + late + "'");
                st.executeUpdate("INSERT INTO api.execution_transitions (execution_id, attempt, from_state, to_state, at, reported_by) "
                        + "VALUES ('" + late + "', 1, 'QUEUED', 'ASSIGNED', now() - interval '1 minute', 'test')");
            }
            // Later changes (higher transition ids) commit and are sent while it is still open...
            UUID later = submit(Keys.as(key)).then().statusCode(201).extract().jsonPath().getUUID("id");
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
                    && l.contains(later.toString()) && l.contains("\"QUEUED\"")));
            assertThat(lines).noneMatch(l -> l.contains(late.toString()) && l.contains("\"state\":\"ASSIGNED\""));
            // ...then it commits, and the stream still sends it.
            slow.commit();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
                    && l.contains(late.toString()) && l.contains("\"state\":\"ASSIGNED\"") && l.contains("rgrid-worker-late01")));
        }
    }

    /** The dashboard's /events stream opened with a session cookie; its lines collected as they arrive. */
    private record EventStream(HttpResponse<java.io.InputStream> response, Thread reader, List<String> lines)
            implements AutoCloseable {

        static EventStream open(String cookie) throws Exception {
            List<String> lines = new CopyOnWriteArrayList<>();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + ApiPaths.BASE
                    + "/events")).header("Cookie", SessionService.COOKIE + "=" + cookie).build();
            HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient()
                    .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception ignored) {
                    // closed
                }
            });
            return new EventStream(response, reader, lines);
        }

        @Override
        public void close() throws Exception {
            reader.interrupt();
            response.body().close();
        }
    }

    private static RequestSpecification session(String cookie) {
        return given().cookie(SessionService.COOKIE, cookie);
    }

    private static Response submit(RequestSpecification as) {
        return as.multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8)).post(ApiPaths.EXECUTIONS);
    }

    private static void expect(Response response, int status, String code) {
        response.then().statusCode(status).contentType("application/problem+json").body("code", equalTo(code));
    }
}
