package io.rgrid.api.auth;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.rgrid.api.support.Keys;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.Problem;
import io.rgrid.testinfra.SharedServersResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed logins and failed bearer authentications are limited per client address and per key,
 * with 429 TOO_MANY_AUTH_FAILURES and Retry-After; a key that works is not locked out by somebody
 * else's failures. The test client is on loopback, a trusted proxy by default, so X-Forwarded-For
 * names the client address as nginx would.
 */
@QuarkusTest
@TestProfile(AuthThrottleTest.LowLimits.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class AuthThrottleTest {

    /** Three failures per address, two per key, one earned back a minute: no refill during a test. */
    public static class LowLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rgrid.api.auth-failures.address-burst", "3",
                    "rgrid.api.auth-failures.address-per-minute", "1",
                    "rgrid.api.auth-failures.key-burst", "2",
                    "rgrid.api.auth-failures.key-per-minute", "1");
        }
    }

    private static final String SESSION = ApiPaths.BASE + "/session";

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void aLoginFloodGets429sWhileAnotherKeyStillWorks() {
        String attacker = freshAddress();
        String other = freshAddress();
        String project = Keys.freshProject("throttle");
        String key = Keys.create(adminKey, project);
        Keys.as(key).header("X-Forwarded-For", other).get(ApiPaths.EXECUTIONS).then().statusCode(200);

        for (int i = 0; i < 3; i++) {
            expect(login(attacker, "rgk_guess" + i), 401, "UNAUTHENTICATED");
        }
        Response refused = login(attacker, "rgk_guess3");
        expect(refused, 429, "TOO_MANY_AUTH_FAILURES");
        assertThat(refused.jsonPath().getString("detail")).contains("from this address");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
        // Bearer authentication from that address is refused too, before the key is looked up.
        expect(Keys.as("rgk_guess4").header("X-Forwarded-For", attacker).get(ApiPaths.EXECUTIONS), 429, "TOO_MANY_AUTH_FAILURES");
        // Through nginx's header form: the forged left hop is not read, the right-most one is.
        expect(given().header("X-Forwarded-For", "203.0.113.99, " + attacker).contentType(ContentType.JSON)
                .body(Map.of("key", "rgk_guess5")).post(SESSION), 429, "TOO_MANY_AUTH_FAILURES");

        // Another address is not affected: its logins and requests work.
        login(other, key).then().statusCode(201);
        Keys.as(key).header("X-Forwarded-For", other).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        // Keys that authenticated before pass the flooded address's limit; a key it has not seen waits.
        Keys.as(key).header("X-Forwarded-For", attacker).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        login(attacker, key).then().statusCode(201);
        Keys.as(adminKey).header("X-Forwarded-For", attacker).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        String unseen = Keys.create(adminKey, project);
        expect(Keys.as(unseen).header("X-Forwarded-For", attacker).get(ApiPaths.EXECUTIONS), 429, "TOO_MANY_AUTH_FAILURES");
        Keys.as(unseen).header("X-Forwarded-For", other).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        Keys.as(unseen).header("X-Forwarded-For", attacker).get(ApiPaths.EXECUTIONS).then().statusCode(200);
    }

    @Test
    void aKeyThatKeepsFailingIsLimitedFromEveryAddress() {
        Response created = Keys.as(adminKey).contentType(ContentType.JSON)
                .body(Map.of("project", Keys.freshProject("throttle-k"), "name", "revoked")).post(ApiPaths.BASE + "/keys");
        String revoked = created.jsonPath().getString("key");
        Keys.as(adminKey).delete(ApiPaths.BASE + "/keys/" + created.jsonPath().getString("id")).then().statusCode(200);

        expect(Keys.as(revoked).header("X-Forwarded-For", freshAddress()).get(ApiPaths.EXECUTIONS), 401, "UNAUTHENTICATED");
        expect(login(freshAddress(), revoked), 401, "UNAUTHENTICATED");
        Response refused = Keys.as(revoked).header("X-Forwarded-For", freshAddress()).get(ApiPaths.EXECUTIONS);
        expect(refused, 429, "TOO_MANY_AUTH_FAILURES");
        assertThat(refused.jsonPath().getString("detail")).contains("with this key");
        assertThat(refused.header("Retry-After")).isNotBlank();
        // Other keys from those addresses are not limited: each address failed once.
        Keys.as(adminKey).header("X-Forwarded-For", freshAddress()).get(ApiPaths.EXECUTIONS).then().statusCode(200);
    }

    private static Response login(String address, String key) {
        return given().header("X-Forwarded-For", address).contentType(ContentType.JSON).body(Map.of("key", key)).post(SESSION);
    }

    /** A documentation address (RFC 5737) of its own per call. */
    private static String freshAddress() {
        int n = UUID.randomUUID().hashCode() & 0xffff;
        return "198.51." + (n >> 8) + "." + (n & 0xff);
    }

    private static void expect(Response response, int status, String code) {
        response.then().statusCode(status).contentType(Problem.MEDIA_TYPE);
        assertThat(response.jsonPath().getString("code")).isEqualTo(code);
        if (status == 401) {
            assertThat(response.header("WWW-Authenticate")).isEqualTo(Auth.SCHEME);
        }
    }
}
