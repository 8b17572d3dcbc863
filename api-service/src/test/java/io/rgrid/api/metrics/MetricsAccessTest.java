package io.rgrid.api.metrics;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.model.api.Auth;
import io.rgrid.testinfra.SharedServersResource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * With RGRID_METRICS_TOKEN set, {@code /q/metrics} needs it from every peer (loopback too) and
 * answers 401 problem+json without it; health and the OpenAPI document stay open. Without a token
 * (every other test class), only loopback peers are answered: ClusterReadModelTest.
 */
@QuarkusTest
@TestProfile(MetricsAccessTest.WithToken.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class MetricsAccessTest {

    static final String TOKEN = "7d1e0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d";

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rgrid.metrics.token", TOKEN);
        }
    }

    @Test
    void metricsNeedTheToken() {
        given().get("/q/metrics").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("code", equalTo("UNAUTHENTICATED"))
                .body("detail", containsString("RGRID_METRICS_TOKEN"));
        given().header(Auth.HEADER, Auth.header(TOKEN.substring(1) + "0")).get("/q/metrics").then().statusCode(401);
        given().header(Auth.HEADER, Auth.header(TOKEN)).get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_"));
    }

    @Test
    void healthAndOpenApiStayOpen() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/executions"));
    }
}
