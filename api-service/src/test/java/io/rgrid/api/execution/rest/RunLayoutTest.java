package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.rgrid.api.status.StatusDecision;
import io.rgrid.api.status.StatusService;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

/**
 * The run layout (StorageKeys, docs/architecture.md "Storage layout"): the API lists and serves
 * the objects of the run the accepted outcome named, whatever other runs of the attempt wrote,
 * and executions stored before runs still download.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class RunLayoutTest {

    private static final String WORKER = "rgrid-worker-run001";
    private static final String RUN_A = "aaaaaaaa-0000-4000-8000-000000000001";
    private static final String RUN_B = "bbbbbbbb-0000-4000-8000-000000000002";

    @Inject
    ApiTestSupport servers;
    @Inject
    StatusService status;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void aSecondRunAfterTheFirstWasAcceptedChangesNothingTheApiServes() throws Exception {
        UUID id = submit();
        servers.publishStatus(report(id, ExecutionState.RUNNING, RUN_A));
        store(id, RUN_A, "run a\n", "A");
        servers.publishStatus(report(id, ExecutionState.SUCCEEDED, RUN_A).withLog(6, 0).withRun(RUN_A));
        awaitState(id, "SUCCEEDED");

        // A stray second run of the same attempt (a re-sent assignment, a worker thought lost)
        // stores its own log and outputs, one more file, and reports: none of it may show.
        store(id, RUN_B, "run b, stray\n", "B");
        servers.putObject(StorageKeys.output(id, 1, RUN_B, "extra.txt"), "stray");
        assertThat(status.apply(report(id, ExecutionState.RUNNING, RUN_B)).orElseThrow())
                .isInstanceOf(StatusDecision.Ignore.class);
        assertThat(status.apply(report(id, ExecutionState.FAILED, RUN_B).withLog(13, 0).withRun(RUN_B)).orElseThrow())
                .isInstanceOf(StatusDecision.Ignore.class);

        assertServed(id, "run a\n", "A", "run b");
        Keys.as(adminKey).get(outputs(id) + "/extra.txt").then().statusCode(404);
    }

    @Test
    void theOutcomeNamesTheRunWhoseObjectsCount() throws Exception {
        // Two runs of one attempt at once: A reported RUNNING, but B's outcome is the one accepted.
        UUID id = submit();
        assertThat(status.apply(report(id, ExecutionState.RUNNING, RUN_A)).orElseThrow())
                .isInstanceOf(StatusDecision.Apply.class);
        store(id, RUN_A, "run a\n", "A");
        store(id, RUN_B, "run b\n", "B");
        assertThat(status.apply(report(id, ExecutionState.SUCCEEDED, RUN_B).withLog(6, 0).withRun(RUN_B)).orElseThrow())
                .isInstanceOf(StatusDecision.Apply.class);
        assertThat(status.apply(report(id, ExecutionState.SUCCEEDED, RUN_A).withLog(6, 0).withRun(RUN_A)).orElseThrow())
                .isInstanceOf(StatusDecision.Ignore.class);

        assertServed(id, "run b\n", "B", "run a");
    }

    @Test
    void anExecutionStoredBeforeRunsStillDownloads() throws Exception {
        UUID id = submit();
        servers.putObject(StorageKeys.log(id, 1), "old layout\n");
        servers.putObject(StorageKeys.output(id, 1, "result.txt"), "O");
        servers.publishStatus(report(id, ExecutionState.SUCCEEDED, null).withLog(11, 0));
        awaitState(id, "SUCCEEDED");

        assertServed(id, "old layout\n", "O", "run ");
    }

    @Test
    void aRunThatIsNoSafeKeySegmentIsNotUsed() throws Exception {
        UUID id = submit();
        servers.putObject(StorageKeys.output(id, 1, "result.txt"), "O");
        servers.putObject(StorageKeys.log(id, 1), "old layout\n");
        assertThat(status.apply(report(id, ExecutionState.SUCCEEDED, "../../" + UUID.randomUUID()).withLog(11, 0))
                .orElseThrow()).isInstanceOf(StatusDecision.Apply.class);

        assertServed(id, "old layout\n", "O", "run ");
    }

    /** What the API serves of attempt 1: the log {@code log}, one output result.txt holding {@code result}, nothing with {@code absent}. */
    private void assertServed(UUID id, String log, String result, String absent) {
        Keys.as(adminKey).get(outputs(id)).then().statusCode(200)
                .body("outputs.name", contains("result.txt")).body("outputs[0].size", equalTo(result.length()));
        Keys.as(adminKey).get(outputs(id) + "/result.txt").then().statusCode(200).body(equalTo(result));
        Keys.as(adminKey).get(ApiPaths.logs(id.toString())).then().statusCode(200).body(equalTo(log));
        Response followed = Keys.as(adminKey).queryParam("follow", "true").get(ApiPaths.logs(id.toString()));
        followed.then().statusCode(200);
        assertThat(followed.asString()).contains(log.strip()).contains("event: end").doesNotContain(absent);
    }

    private void store(UUID id, String run, String log, String result) throws Exception {
        servers.putObject(StorageKeys.log(id, 1, run), log);
        servers.putObject(StorageKeys.output(id, 1, run, "result.txt"), result);
    }

    private static ExecutionStatusChanged report(UUID id, ExecutionState state, String run) {
        return new ExecutionStatusChanged(id, 1, state, WORKER, state.isTerminal() ? 0 : null, null, null, WORKER,
                Instant.now()).withRun(run);
    }

    private void awaitState(UUID id, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                state.equals(Keys.as(adminKey).get(ApiPaths.execution(id.toString())).jsonPath().getString("state")));
    }

    private static String outputs(UUID id) {
        return ApiPaths.execution(id.toString()) + "/outputs";
    }

    private UUID submit() {
        Response response = Keys.as(adminKey).multiPart("script", "main.py", "print(1)\n".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return UUID.fromString(response.jsonPath().getString("id"));
    }
}
