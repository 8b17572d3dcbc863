package io.rgrid.e2e.security;

import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint (the OpenAPI document's and the plain Vert.x routes: the event stream and the
 * log follow), called without a key, with a revoked key, with malformed keys and with dashboard
 * session cookies that ended (logged out, expired, their key revoked, never issued), answers 401
 * with a problem+json body that says what to send and leaks nothing: not the credential that was
 * sent, not a valid key, no stack trace, no SQL, no internal class name.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECURITY)
class UnauthenticatedRequestsTest {

    @Test
    void everyEndpointRefusesMissingRevokedAndMalformedKeysAndEndedSessionsWith401(KillableGrid grid) throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        ProjectKeys.Key revoked = ProjectKeys.create(grid, "revoked-" + suffix);
        ProjectKeys.Key live = ProjectKeys.create(grid, "live-" + suffix);
        ProjectKeys.Key expiring = ProjectKeys.create(grid, "expiring-" + suffix);
        Api api = new Api(grid.apiUrl());
        Caller revokedSession = Caller.login(grid, "session of a revoked key", revoked.secret());
        ProjectKeys.revoke(grid, revoked);
        Caller loggedOut = Caller.login(grid, "logged-out session cookie", live.secret());
        assertThat(loggedOut.call(api, "DELETE", "/api/v1/session").status()).isEqualTo(204);
        Caller expired = Caller.login(grid, "expired session cookie", expiring.secret());
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             PreparedStatement st = c.prepareStatement(
                     "UPDATE api.sessions SET expires_at = now() - interval '1 second' WHERE project_id = ?")) {
            st.setString(1, expiring.project());
            assertThat(st.executeUpdate()).isOne();
        }

        List<Caller> callers = List.of(
                Caller.header("no Authorization header", null),
                Caller.bearer("revoked key", revoked.secret()),
                Caller.header("empty bearer", "Bearer "),
                Caller.header("scheme only", "Bearer"),
                Caller.header("Basic scheme", "Basic " + Base64.getEncoder().encodeToString(("x:" + live.secret()).getBytes())),
                Caller.header("key without scheme", live.secret()),
                Caller.header("unknown well-formed key", "Bearer rgk_" + "A".repeat(43)),
                Caller.header("truncated key", "Bearer " + live.secret().substring(0, live.secret().length() - 3)),
                Caller.header("admin key with a suffix", "Bearer " + grid.adminKey() + "x"),
                Caller.header("SQL in the key", "Bearer ' OR '1'='1"),
                Caller.header("huge key", "Bearer " + "k".repeat(6000)),
                revokedSession,
                loggedOut,
                expired,
                Caller.cookie("unknown session cookie", "A".repeat(43), "csrf"));

        List<String> checked = new ArrayList<>();
        for (Endpoints.Endpoint endpoint : Endpoints.all(grid)) {
            String path = endpoint.fill(Map.of("id", UUID.randomUUID().toString(), "name", "result.txt"));
            for (Caller caller : callers) {
                String what = endpoint.key() + " with " + caller;
                Api.Reply reply;
                int expected = 401;
                String expectedCode = "UNAUTHENTICATED";
                if (endpoint.key().equals("POST /api/v1/session")) {
                    if (caller.isSession()) {
                        continue; // the login reads its key from the body: a cookie means nothing there
                    }
                    // The dashboard's login takes its credential in the body, not the header: the same
                    // variants go there. A blank key is a malformed request (400), any other bad one 401.
                    String key = caller.authorization() == null ? "" : caller.authorization().replaceFirst("^Bearer ?", "");
                    if (key.equals(live.secret())) {
                        continue; // "key without scheme" is a valid key in the body: a login, not a bad request
                    }
                    reply = api.call("POST", path, null, "application/json", Api.JSON.writeValueAsBytes(Map.of("key", key)), Map.of());
                    if (key.isBlank()) {
                        expected = 400;
                        expectedCode = "MALFORMED_REQUEST";
                    }
                } else {
                    reply = caller.call(api, endpoint.method(), path);
                }
                assertThat(reply.status()).as(what + ": " + reply).isEqualTo(expected);
                assertThat(reply.contentType()).as(what).startsWith("application/problem+json");
                assertThat(reply.json().path("code").asText()).as(what).isEqualTo(expectedCode);
                assertThat(reply.json().path("detail").asText()).as(what).isNotBlank();
                String body = reply.text();
                assertThat(body).as(what + " leaks nothing").doesNotContain(grid.adminKey(), live.secret(), revoked.secret(),
                        "Exception", "\tat ", "io.rgrid", "SELECT", "postgres", "kafka");
                if (caller.secret() != null) {
                    assertThat(body).as(what + " does not echo the credential").doesNotContain(caller.secret());
                }
                checked.add(what);
            }
        }
        // The refusals are about the credentials: the live key itself, and a fresh login with it, work.
        assertThat(api.call("GET", "/api/v1/executions", live.secret()).status()).isEqualTo(200);
        assertThat(Caller.login(grid, "fresh session", live.secret()).call(api, "GET", "/api/v1/executions").status())
                .isEqualTo(200);
        System.out.println("[security] 401 checked in " + checked.size() + " cases");
    }
}
