package io.rgrid.model.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.model.Json;
import io.rgrid.model.api.EndpointAccess.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointAccessTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    /** peer, configured token ("-": none), Authorization header ("-": none), decision. */
    @ParameterizedTest
    @CsvSource({
            "127.0.0.1,        -,     -,                                               ALLOW",
            "127.8.9.10,       -,     -,                                               ALLOW",
            "0:0:0:0:0:0:0:1,  -,     -,                                               ALLOW",
            "::ffff:127.0.0.1, -,     -,                                               ALLOW",
            "10.0.0.2,         -,     -,                                               NOT_LOOPBACK",
            "10.0.0.2,         -,     Bearer anything,                                 NOT_LOOPBACK",
            "128.0.0.1,        -,     -,                                               NOT_LOOPBACK",
            "::ffff:10.0.0.2,  -,     -,                                               NOT_LOOPBACK",
            "1270.0.0.1,       -,     -,                                               NOT_LOOPBACK",
            "10.0.0.2,         TOKEN, Bearer 0123456789abcdef0123456789abcdef,         ALLOW",
            "127.0.0.1,        TOKEN, Bearer 0123456789abcdef0123456789abcdef,         ALLOW",
            "127.0.0.1,        TOKEN, -,                                               MISSING_TOKEN",
            "10.0.0.2,         TOKEN, -,                                               MISSING_TOKEN",
            "10.0.0.2,         TOKEN, Basic 0123456789abcdef0123456789abcdef,          MISSING_TOKEN",
            "10.0.0.2,         TOKEN, Bearer 0123456789abcdef0123456789abcdeX,         WRONG_TOKEN",
            "10.0.0.2,         TOKEN, Bearer 0123456789abcdef,                         WRONG_TOKEN",
    })
    void decidesByPeerAndToken(String peer, String token, String header, Decision expected) {
        Optional<String> configured = "TOKEN".equals(token) ? Optional.of(TOKEN) : Optional.empty();
        assertThat(EndpointAccess.decide(peer, configured, "-".equals(header) ? null : header)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1,true", "localhost,true", "::1,true", "[::1],true", "127.0.1.1,true",
            "0.0.0.0,false", "::,false", "10.0.0.2,false", "example.org,false", "'',false"})
    void knowsWhichBindHostsStayOnThisHost(String host, boolean loopback) {
        assertThat(EndpointAccess.isLoopbackHost(host)).isEqualTo(loopback);
    }

    /** token ("-": none), the problem's expected fragment ("-": none). */
    @ParameterizedTest
    @CsvSource({
            "-,                                                      -",
            "0123456789abcdef0123456789abcdef,                       -",
            "short,                                                  at least 32 characters (it has 5)",
            "$(openssl rand -hex 32),                                does not run $(...)",
            "0123456789abcdef0123456789abcdef$(x),                   does not run $(...)",
    })
    void refusesShortOrUnexpandedTokens(String token, String problem) {
        Optional<String> found = EndpointAccess.tokenProblem("ORCHESTRATOR_API_TOKEN",
                "-".equals(token) ? Optional.empty() : Optional.of(token));
        if ("-".equals(problem)) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).hasValueSatisfying(m -> assertThat(m).startsWith("ORCHESTRATOR_API_TOKEN").contains(problem));
        }
    }

    /** bind host, token ("-": none), the problem's expected fragment ("-": none). */
    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, -,                                 -",
            "localhost, -,                                 -",
            "0.0.0.0,   -,                                 ORCHESTRATOR_HOST=0.0.0.0 exposes this API beyond this host",
            "10.0.0.2,  -,                                 set ORCHESTRATOR_API_TOKEN",
            "0.0.0.0,   0123456789abcdef0123456789abcdef,  -",
            "0.0.0.0,   short,                             at least 32 characters",
            "127.0.0.1, short,                             at least 32 characters",
    })
    void anExposedServiceNeedsAToken(String host, String token, String problem) {
        Optional<String> found = EndpointAccess.exposureProblem("ORCHESTRATOR_HOST", host, "ORCHESTRATOR_API_TOKEN",
                "-".equals(token) ? Optional.empty() : Optional.of(token));
        if ("-".equals(problem)) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).hasValueSatisfying(m -> assertThat(m).contains(problem));
        }
    }

    @Test
    void aRefusalIsA401ProblemAtItsPath() throws Exception {
        assertThat(EndpointAccess.refusal("127.0.0.1", Optional.empty(), null, "X_TOKEN", "/v1/workers")).isEmpty();
        EndpointAccess.Refusal refusal = EndpointAccess.refusal("10.0.0.2", Optional.empty(), null, "X_TOKEN", "/v1/workers")
                .orElseThrow();
        assertThat(refusal.problem().status()).isEqualTo(401);
        assertThat(refusal.problem().detail()).contains("unless X_TOKEN is set");
        JsonNode body = Json.mapper().readTree(refusal.body());
        assertThat(body.path("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(body.path("instance").asText()).isEqualTo("/v1/workers");
        assertThat(EndpointAccess.Refusal.HEADERS).containsEntry("Content-Type", "application/problem+json")
                .containsEntry("WWW-Authenticate", "Bearer");
    }

    @ParameterizedTest
    @CsvSource({"MISSING_TOKEN,send the token (X_TOKEN)", "WRONG_TOKEN,is not X_TOKEN", "NOT_LOOPBACK,unless X_TOKEN is set"})
    void refusalsNameTheSetting(Decision decision, String fragment) {
        assertThat(EndpointAccess.refusalDetail(decision, "X_TOKEN")).contains(fragment);
    }
}
