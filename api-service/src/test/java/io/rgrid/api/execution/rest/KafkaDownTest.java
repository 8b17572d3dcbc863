package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.NoKafkaProfile;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kafka being unreachable delays events; it never refuses a submission or loses its event. */
@QuarkusTest
@TestProfile(NoKafkaProfile.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class KafkaDownTest {

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String key;

    @ConfigProperty(name = "rgrid.kafka.bootstrap-servers")
    String bootstrap;

    @Test
    void submissionsAreAcceptedAndTheirEventsWaitInTheOutbox() throws Exception {
        assertThat(bootstrap).isEqualTo("127.0.0.1:9");
        given().header(Auth.HEADER, Auth.header(key))
                .multiPart("script", "offline.py", "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS)
                .then().statusCode(201);
        given().header(Auth.HEADER, Auth.header(key))
                .multiPart("script", "offline2.py", "print(2)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS)
                .then().statusCode(201);
        // For three seconds of the relay trying an unreachable Kafka, both events stay in the outbox.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL") >= 2);
        given().get("/q/health/ready").then().statusCode(503);
    }
}
