package io.rgrid.orchestrator.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.api.KnownExecutions;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code POST /v1/executions/known}, what api-service's reconciliation asks (issue 27): an
 * execution whose submission never arrived is unknown, and known at attempt 1 once the same
 * ExecutionSubmitted arrives again on the real topic; bad requests are problem+json with a stable code.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnownExecutionsTest {

    @Inject
    RgridConfig config;

    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        grid = new GridEvents(config);
    }

    @AfterAll
    void close() throws Exception {
        grid.close();
    }

    @Test
    void aSubmissionThatNeverArrivedIsUnknownUntilItIsAnnouncedAgain() throws Exception {
        UUID lost = Ids.newExecutionId();
        UUID neverSent = Ids.newExecutionId();
        assertThat(known(lost, neverSent)).isEmpty();

        // The reconciliation's re-announcement: the same event the submission would have published.
        grid.submit(lost, "project-reconcile", GridEvents.spec(64, 256, 3), "print('late')");

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(known(lost, neverSent)).containsExactly(Map.entry(lost.toString(), 1)));
    }

    /**
     * The other direction of the reconciliation: executions that ended here are listed with how
     * they ended, by a cancel and by the orchestrator's own verdict (no machine type holds 64 CPUs).
     */
    @Test
    void executionsThatEndedHereAreListedWithTheirEnd() throws Exception {
        UUID cancelled = Ids.newExecutionId();
        UUID unschedulable = Ids.newExecutionId();
        Instant before = Instant.now().minusSeconds(5);
        grid.submit(cancelled, "project-reconcile", GridEvents.spec(64, 256, 3), "print('cancelled')");
        grid.send(new ExecutionCancelRequested(cancelled, "project-reconcile", Instant.now()));
        grid.submit(unschedulable, "project-reconcile", GridEvents.spec(64, 256, 3), "print('too big')");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath answer = answer(cancelled, unschedulable);
            assertThat(answer.getMap("known", String.class, Integer.class))
                    .containsEntry(cancelled.toString(), 1).containsEntry(unschedulable.toString(), 1);
            assertThat(answer.getMap("ended")).containsOnlyKeys(cancelled.toString(), unschedulable.toString());
            String c = "ended.'" + cancelled + "'.";
            assertThat(answer.getString(c + "state")).isEqualTo("CANCELLED");
            assertThat(answer.getInt(c + "attempt")).isEqualTo(1);
            assertThat(Instant.parse(answer.getString(c + "at"))).isAfter(before);
            String u = "ended.'" + unschedulable + "'.";
            assertThat(answer.getString(u + "state")).isEqualTo("FAILED");
            assertThat(answer.getString(u + "reason")).isEqualTo("UNSCHEDULABLE");
            assertThat(answer.getString(u + "workerId")).isNull();
        });
    }

    @Test
    void badRequestsAreProblemsAndChangeNothing() {
        for (String body : new String[] {"{\"ids\": []}", "{}", "{\"ids\": [\"not-a-uuid\"]}", "not json",
                "{\"ids\": [null]}", "{\"ids\": " + tooMany() + "}"}) {
            given().contentType(ContentType.JSON).body(body).post(KnownExecutions.PATH).then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("code", equalTo("MALFORMED_REQUEST"));
        }
    }

    private static String tooMany() {
        return Collections.nCopies(KnownExecutions.MAX_IDS + 1, "\"" + UUID.randomUUID() + "\"").toString();
    }

    private static JsonPath answer(UUID... ids) {
        return given().contentType(ContentType.JSON).body(Map.of("ids", List.of(ids))).post(KnownExecutions.PATH)
                .then().statusCode(200).extract().jsonPath();
    }

    private static Map<String, Integer> known(UUID... ids) {
        return given().contentType(ContentType.JSON).body(Map.of("ids", List.of(ids))).post(KnownExecutions.PATH)
                .then().statusCode(200).extract().jsonPath().getMap("known", String.class, Integer.class);
    }
}
