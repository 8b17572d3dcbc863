package io.rgrid.orchestrator.access;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.api.Auth;
import io.rgrid.testinfra.SharedServersResource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * With ORCHESTRATOR_API_TOKEN set, every route but {@code /q/health} needs it, loopback callers
 * included: {@code /v1/workers}, {@code /v1/cost} and {@code /q/metrics} answer 401 problem+json
 * without it or with another, and as before with it.
 */
@QuarkusTest
@TestProfile(ApiAccessFilterTest.WithToken.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
class ApiAccessFilterTest {

    static final String TOKEN = "5f0c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e";

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rgrid.orchestrator.api-token", TOKEN);
        }
    }

    @Test
    void everyRouteButHealthNeedsTheToken() {
        for (String path : new String[] {"/v1/workers", "/v1/cost", "/q/metrics", "/no/such/route"}) {
            given().get(path).then().statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer")
                    .body("code", equalTo("UNAUTHENTICATED"))
                    .body("detail", containsString("ORCHESTRATOR_API_TOKEN"))
                    .body("instance", equalTo(path));
            given().header(Auth.HEADER, Auth.header(TOKEN.replace('5', '6'))).get(path).then().statusCode(401)
                    .body("detail", containsString("is not ORCHESTRATOR_API_TOKEN"));
        }
    }

    @Test
    void theTokenOpensTheApiAndTheMetrics() {
        given().header(Auth.HEADER, Auth.header(TOKEN)).get("/v1/workers").then().statusCode(200);
        given().header(Auth.HEADER, Auth.header(TOKEN)).get("/v1/cost").then().statusCode(200);
        given().header(Auth.HEADER, Auth.header(TOKEN)).get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_"));
        given().header(Auth.HEADER, Auth.header(TOKEN)).get("/no/such/route").then().statusCode(404);
    }

    @Test
    void healthStaysOpenForSystemdAndTheDeployChecks() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
