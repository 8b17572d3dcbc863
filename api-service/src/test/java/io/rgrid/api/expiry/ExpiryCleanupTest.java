package io.rgrid.api.expiry;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.quarkus.scheduler.Scheduler;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The periodic cleanup deletes expired sessions (absolute end or idle) and Idempotency-Keys past
 * their retention, in batches (the test profile sets rgrid.cleanup.batch-size=2), and nothing else.
 * The test profile's interval (1h) keeps the scheduled run from racing the one the test calls.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class ExpiryCleanupTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    ExpiryCleanup cleanup;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Inject
    Scheduler scheduler;

    @Test
    void runsAsAScheduledJob() {
        assertThat(scheduler.getScheduledJob("rgrid-expiry-cleanup")).isNotNull();
    }

    @Test
    void deletesOnlyExpiredSessionsAndIdempotencyKeysInBatches() throws Exception {
        String project = Keys.freshProject("expiry");
        String run = UUID.randomUUID().toString();
        List<String> expired = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expired.add(session(run + "-ended-" + i, project, "now() - interval '1 second'", "now()"));
            expired.add(session(run + "-idle-" + i, project, "now() + interval '6 hours'", "now() - interval '2 hours 1 second'"));
        }
        String fresh = session(run + "-fresh", project, "now() + interval '6 hours'", "now() - interval '1 hour 59 minutes'");

        String key = Keys.create(adminKey, project);
        List<String> oldKeys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            oldKeys.add(idempotent(key, run + "-old-" + i));
        }
        String recent = idempotent(key, run + "-recent");
        servers.execute("UPDATE api.idempotency_keys SET created_at = now() - interval '24 hours 1 second' WHERE key LIKE '"
                + run + "-old-%'");
        servers.execute("UPDATE api.idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE key = '"
                + run + "-recent'");

        ExpiryCleanup.Deleted deleted = cleanup.run(Instant.now());

        assertThat(deleted.sessions()).isGreaterThanOrEqualTo(expired.size());
        assertThat(deleted.idempotencyKeys()).isGreaterThanOrEqualTo(oldKeys.size());
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash LIKE ?", run + "-%")).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ?", fresh)).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.idempotency_keys WHERE key LIKE ?", run + "-%")).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.idempotency_keys WHERE key = ?", run + "-recent")).isOne();
        // The executions those keys named stay.
        for (String id : oldKeys) {
            Keys.as(key).get(ApiPaths.execution(id)).then().statusCode(200);
        }
        Keys.as(key).get(ApiPaths.execution(recent)).then().statusCode(200);
    }

    private String session(String idHash, String project, String expiresAt, String lastUsedAt) throws Exception {
        servers.execute("INSERT INTO api.sessions (id_hash, project_id, admin, key_hash, csrf_token, created_at, expires_at, "
                + "last_used_at) VALUES ('" + idHash + "', '" + project + "', false, 'k', 'c', now() - interval '3 hours', "
                + expiresAt + ", " + lastUsedAt + ")");
        return idHash;
    }

    private static String idempotent(String key, String idem) {
        Response response = Keys.as(key).header("Idempotency-Key", idem)
                .multiPart("script", "main.py", ("print('" + idem + "')\n").getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS);
        response.then().statusCode(201);
        return response.jsonPath().getString("id");
    }
}
