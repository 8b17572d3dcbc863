package io.rgrid.e2e.security;

import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint of the OpenAPI document, called without a key, with a revoked key and with
 * malformed keys, answers 401 with a problem+json body that says what to send and leaks nothing:
 * not the key that was sent, not a valid key, no stack trace, no SQL, no internal class name.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECURITY)
class UnauthenticatedRequestsTest {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void everyEndpointRefusesMissingRevokedAndMalformedKeysWith401(KillableGrid grid) throws IOException {
        ProjectKeys.Key revoked = ProjectKeys.create(grid, "revoked-" + Long.toString(System.nanoTime(), 36));
        ProjectKeys.Key live = ProjectKeys.create(grid, "live-" + Long.toString(System.nanoTime(), 36));
        ProjectKeys.revoke(grid, revoked);
        Api api = new Api(grid.apiUrl());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("no Authorization header", null);
        headers.put("revoked key", "Bearer " + revoked.secret());
        headers.put("empty bearer", "Bearer ");
        headers.put("scheme only", "Bearer");
        headers.put("Basic scheme", "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + live.secret()).getBytes()));
        headers.put("key without scheme", live.secret());
        headers.put("unknown well-formed key", "Bearer rgk_" + "A".repeat(43));
        headers.put("truncated key", "Bearer " + live.secret().substring(0, live.secret().length() - 3));
        headers.put("admin key with a suffix", "Bearer " + grid.adminKey() + "x");
        headers.put("SQL in the key", "Bearer ' OR '1'='1");
        headers.put("huge key", "Bearer " + "k".repeat(6000));

        List<String> checked = new ArrayList<>();
        for (Endpoints.Endpoint endpoint : Endpoints.all(grid)) {
            String path = endpoint.fill(Map.of("id", UUID.randomUUID().toString(), "name", "result.txt"));
            for (var header : headers.entrySet()) {
                String what = endpoint.key() + " with " + header.getKey();
                Api.Reply reply;
                int expected = 401;
                String expectedCode = "UNAUTHENTICATED";
                if (endpoint.key().equals("POST /api/v1/session")) {
                    // The dashboard's login takes its credential in the body, not the header: the same
                    // variants go there. A blank key is a malformed request (400), any other bad one 401.
                    String key = header.getValue() == null ? "" : header.getValue().replaceFirst("^Bearer ?", "");
                    if (key.equals(live.secret())) {
                        continue; // "key without scheme" is a valid key in the body: a login, not a bad request
                    }
                    reply = api.call("POST", path, null, "application/json",
                            JSON.writeValueAsBytes(Map.of("key", key)), Map.of());
                    if (key.isBlank()) {
                        expected = 400;
                        expectedCode = "MALFORMED_REQUEST";
                    }
                } else {
                    reply = api.call(endpoint.method(), path, header.getValue(),
                            endpoint.method().equals("GET") || endpoint.method().equals("DELETE") ? null : "application/json",
                            endpoint.method().equals("GET") || endpoint.method().equals("DELETE") ? null : "{}".getBytes(), Map.of());
                }
                assertThat(reply.status()).as(what + ": " + reply).isEqualTo(expected);
                assertThat(reply.contentType()).as(what).startsWith("application/problem+json");
                assertThat(reply.json().path("code").asText()).as(what).isEqualTo(expectedCode);
                assertThat(reply.json().path("detail").asText()).as(what).isNotBlank();
                String body = reply.text();
                assertThat(body).as(what + " leaks nothing").doesNotContain(grid.adminKey(), live.secret(), revoked.secret(),
                        "Exception", "\tat ", "io.rgrid", "SELECT", "postgres", "kafka");
                if (header.getValue() != null && header.getValue().length() > 12) {
                    assertThat(body).as(what + " does not echo the credential").doesNotContain(header.getValue().substring(7));
                }
                checked.add(what);
            }
        }
        // The same key works before revocation is the point of the revoked case: a live one is accepted.
        assertThat(api.call("GET", "/api/v1/executions", live.secret()).status()).isEqualTo(200);
        System.out.println("[security] 401 checked in " + checked.size() + " cases");
    }
}
