package io.rgrid.worker.assignment;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.api.Auth;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.testing.AgentEvents;
import io.rgrid.worker.testing.PresignedAssignments;
import io.rgrid.worker.testing.ScriptStore;
import io.rgrid.worker.testing.StoreLink;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The object store goes away at the end of a run (issue 27) or as it starts (issue 28): the agent
 * retries the final log and output uploads while the files are on disk, and the fetch of the
 * script and inputs (rgrid.worker.upload-retry.*, here 8 tries from 200 ms up to 1 s apart). The
 * store is the test run's real S3 server, reached through a {@link StoreLink} the test cuts: a
 * success stays a success once the store is back, a store that never comes back fails the attempt
 * with a reason that says what was tried, and a cancel ends a fetch that is waiting to retry.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "worker"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.WORKER)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreRetryTest {

    private static final String SCRIPT = """
            print('hello before the store went away')
            with open('outputs/result.txt', 'w') as f:
                f.write('42')
            """;

    @Inject
    AgentIdentity identity;
    @ConfigProperty(name = "rgrid.worker.token")
    String token;
    @ConfigProperty(name = "rgrid.storage.bucket")
    String bucket;
    @ConfigProperty(name = "rgrid.kafka.topic-prefix")
    String topicPrefix;

    private Servers servers;
    private ScriptStore store;
    private PresignedAssignments presigned;
    private AgentEvents events;

    @BeforeAll
    void connect() throws Exception {
        servers = SharedServers.get();
        store = ScriptStore.connect(servers, bucket);
        presigned = new PresignedAssignments(servers, bucket, identity.workerId());
        events = new AgentEvents(servers.kafka(), topicPrefix);
    }

    @AfterAll
    void disconnect() {
        events.close();
    }

    @Test
    void aSuccessStaysASuccessWhenTheStoreComesBack() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.cut();
            Assignment assignment = through(link, id);
            post(assignment);

            // The script ended and the upload of its output hit the cut link twice: the agent retries.
            String outputKey = StorageKeys.output(id, 1, assignment.storage().run(), "result.txt");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> link.refusedUploads(outputKey) >= 2);
            events.poll();
            assertThat(events.statuses(id)).extracting(ExecutionStatusChanged::state).doesNotContain(ExecutionState.FAILED);
            link.restore();

            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).as(terminal.message()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(terminal.exitCode()).isZero();
            assertThat(store.read(StorageKeys.output(id, 1, terminal.run(), "result.txt"))).isEqualTo("42");
            String log = store.read(StorageKeys.log(id, 1, terminal.run()));
            assertThat(log).contains("hello before the store went away");
            assertThat(terminal.logBytes()).isEqualTo((long) log.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    /**
     * A store that takes the upload and never answers: each try gives up after
     * rgrid.worker.store-timeout (2 s here) and is tried again, so the attempt's slot is not held
     * for ever, and once the store answers again the success is stored.
     */
    @Test
    void aStoreThatHangsTimesOutEachTryAndTheRetryStoresTheSuccess() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.hang();
            Assignment assignment = through(link, id);
            post(assignment);

            String outputKey = StorageKeys.output(id, 1, assignment.storage().run(), "result.txt");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> link.heldUploads(outputKey) >= 2);
            link.restore();

            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).as(terminal.message()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(store.read(StorageKeys.output(id, 1, terminal.run(), "result.txt"))).isEqualTo("42");
        }
    }

    @Test
    void aStoreThatNeverComesBackFailsTheAttemptSayingWhatWasTried() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.cut();
            post(through(link, id));

            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
            assertThat(terminal.reason()).isEqualTo(FailureReason.WORKER_ERROR);
            assertThat(terminal.exitCode()).isZero();
            assertThat(terminal.message())
                    .contains("the script succeeded but its outputs could not be stored: cannot store ")
                    .contains("tried 8 times over")
                    .contains("rgrid.worker.upload-retry.attempts is 8");
            String outputKey = StorageKeys.output(id, 1, terminal.run(), "result.txt");
            assertThat(link.refusedUploads(outputKey)).isEqualTo(8);
        }
    }

    @Test
    void aFetchWaitsForTheStoreToComeBackAndTheRunSucceeds() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.cut();
            post(fetchingThrough(link, id));

            // The fetch of the script hit the cut link twice: the agent retries, the attempt has not failed.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> link.refusedFetches(bucket, StorageKeys.script(id)) >= 2);
            events.poll();
            assertThat(events.statuses(id)).extracting(ExecutionStatusChanged::state).doesNotContain(ExecutionState.FAILED);
            link.restore();

            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).as(terminal.message()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(store.read(StorageKeys.output(id, 1, terminal.run(), "result.txt"))).isEqualTo("42");
            assertThat(store.read(StorageKeys.log(id, 1, terminal.run()))).contains("hello before the store went away");
        }
    }

    @Test
    void aStoreAwayForTheWholeFetchFailsTheAttemptAsInputUnavailableSayingWhatWasTried() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.cut();
            post(fetchingThrough(link, id));

            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).isEqualTo(ExecutionState.FAILED);
            assertThat(terminal.reason()).isEqualTo(FailureReason.INPUT_UNAVAILABLE);
            assertThat(terminal.message())
                    .contains("cannot fetch the script " + StorageKeys.script(id))
                    .contains("tried 8 times over")
                    .contains("rgrid.worker.upload-retry.attempts is 8");
            // The JDK's client itself tries a GET once more when its connection closes unanswered.
            assertThat(link.refusedFetches(bucket, StorageKeys.script(id))).isBetween(8L, 16L);
        }
    }

    @Test
    void aCancelEndsAFetchThatWaitsToRetry() throws Exception {
        UUID id = store.putScript(SCRIPT);
        try (StoreLink link = StoreLink.to(servers.s3Endpoint())) {
            link.cut();
            post(fetchingThrough(link, id));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> link.refusedFetches(bucket, StorageKeys.script(id)) >= 2);

            given().header(Auth.HEADER, Auth.header(token)).post(AgentApi.cancel(id.toString())).then().statusCode(202);
            long refusedAtCancel = link.refusedFetches(bucket, StorageKeys.script(id));
            ExecutionStatusChanged terminal = awaitTerminal(id);
            assertThat(terminal.state()).as(terminal.message()).isEqualTo(ExecutionState.CANCELLED);
            assertThat(terminal.reason()).isEqualTo(FailureReason.CANCELLED);
            // At most the try under way when the cancel came (two connections: the JDK client's own retry).
            assertThat(link.refusedFetches(bucket, StorageKeys.script(id))).as("fetches after the cancel")
                    .isLessThanOrEqualTo(refusedAtCancel + 2);
        }
    }

    /** Attempt 1 of {@code id}, whose log and outputs go to the store through {@code link}. */
    private Assignment through(StoreLink link, UUID id) {
        Assignment direct = presigned.of(id, "project-1", 1, spec(), Map.of(), null);
        StorageAccess access = direct.storage();
        StorageAccess linked = new StorageAccess(access.run(), access.scriptUrl(), access.inputUrls(),
                access.requirementsUrl(), link.via(access.uploadUrl()), access.uploadFields(), access.expiresAt());
        return new Assignment(direct.executionId(), direct.projectId(), direct.attempt(), direct.spec(), direct.bucket(),
                direct.scriptKey(), direct.inputKeys(), direct.requirementsKey(), linked, direct.reportKeys());
    }

    /**
     * Attempt 1 of {@code id} with every URL through {@code link}: the script's fetch too, signed
     * for the link's host (a presigned GET signs it).
     */
    private Assignment fetchingThrough(StoreLink link, UUID id) {
        return new PresignedAssignments(link.endpoint(), servers, bucket, identity.workerId())
                .of(id, "project-1", 1, spec(), Map.of(), null);
    }

    private static ExecutionSpec spec() {
        return new ExecutionSpec(AgentApiTest.IMAGE, List.of(), Map.of(), 0.5, 128, 60, NetworkMode.NONE, 3, Map.of());
    }

    private void post(Assignment assignment) throws Exception {
        given().header(Auth.HEADER, Auth.header(token)).contentType(ContentType.JSON)
                .body(Json.mapper().writeValueAsString(assignment))
                .post(AgentApi.ASSIGNMENTS).then().statusCode(202);
    }

    private ExecutionStatusChanged awaitTerminal(UUID id) {
        return events.awaitStatus(id, s -> s.state().isTerminal(), Duration.ofSeconds(90));
    }
}
