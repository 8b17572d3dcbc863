package io.rgrid.api.keys;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.rgrid.api.session.SessionService;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.Keys;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Rows written before the HMAC hold the plain SHA-256 of the key and of the cookie: the migration
 * converts them in place, once, and the old key and session keep working without being re-issued.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class HashMigrationTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    HashMigration migration;

    @Inject
    KeyHasher hasher;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String adminKey;

    @Test
    void anOldSha256KeyAndSessionStillAuthenticateAfterTheMigration() throws Exception {
        String project = Keys.freshProject("legacy");
        String key = "rgk_legacy-" + UUID.randomUUID();
        String cookie = "legacy-cookie-" + UUID.randomUUID();
        String adminCookie = "legacy-admin-cookie-" + UUID.randomUUID();
        // As the service before issue 22 wrote them: SHA-256 only, hash_version left at its default.
        servers.execute("INSERT INTO api.api_keys (id, project_id, name, key_hash, created_at) VALUES ('" + UUID.randomUUID()
                + "', '" + project + "', 'old', '" + KeyHasher.sha256(key) + "', now())");
        insertOldSession(cookie, project, false, KeyHasher.sha256(key));
        insertOldSession(adminCookie, "default", true, KeyHasher.sha256(adminKey));
        // Not migrated yet: the service looks up HMACs only.
        Keys.as(key).get(ApiPaths.EXECUTIONS).then().statusCode(401);
        given().cookie(SessionService.COOKIE, cookie).get(ApiPaths.BASE + "/session").then().statusCode(401);

        assertThat(migration.run()).isGreaterThanOrEqualTo(3);
        assertThat(migration.run()).as("idempotent: nothing left to convert").isZero();

        Keys.as(key).get(ApiPaths.EXECUTIONS).then().statusCode(200);
        given().cookie(SessionService.COOKIE, cookie).get(ApiPaths.BASE + "/session").then().statusCode(200)
                .body("project", equalTo(project)).body("via", equalTo("session"));
        given().cookie(SessionService.COOKIE, adminCookie).get(ApiPaths.BASE + "/session").then().statusCode(200)
                .body("admin", equalTo(true));
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ? AND hash_version = 2",
                hasher.hash(key))).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ?", KeyHasher.sha256(key))).isZero();
        assertThat(servers.rows("SELECT count(*) FROM api.sessions WHERE id_hash = ? AND key_hash = ? AND hash_version = 2",
                hasher.hash(cookie), hasher.hash(key))).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE hash_version = 1")).isZero();
    }

    @Test
    void newKeysAreStoredAsHmacsNeverAsThePlainSha256() throws Exception {
        String key = Keys.create(adminKey, Keys.freshProject("hmac"));
        assertThat(hasher.hash(key)).isNotEqualTo(KeyHasher.sha256(key)).hasSize(64);
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ? AND hash_version = 2",
                hasher.hash(key))).isOne();
        assertThat(servers.rows("SELECT count(*) FROM api.api_keys WHERE key_hash = ?", KeyHasher.sha256(key))).isZero();
        // Another secret gives other hashes: the database alone does not identify a key.
        assertThat(new KeyHasher("another-secret-0123456789abcdef0123").hash(key)).isNotEqualTo(hasher.hash(key));
    }

    private void insertOldSession(String cookie, String project, boolean admin, String keyHash) throws Exception {
        servers.execute("INSERT INTO api.sessions (id_hash, project_id, admin, key_hash, csrf_token, created_at, expires_at, "
                + "last_used_at) VALUES ('" + KeyHasher.sha256(cookie) + "', '" + project + "', " + admin + ", '" + keyHash
                + "', 'csrf', now(), now() + interval '1 hour', now())");
    }
}
