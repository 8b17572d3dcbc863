package io.rgrid.api.outbox;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.NoKafkaProfile;
import io.rgrid.model.Topics;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's purge deletes outbox rows published longer ago than {@code rgrid.outbox.published-retention}
 * (24h) and keeps rows published within it and rows not yet published, however old. Kafka is unreachable in this profile, so the
 * relay never publishes the unpublished row while the test runs.
 */
@QuarkusTest
@TestProfile(NoKafkaProfile.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class OutboxPurgeTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    OutboxRelay relay;

    @Test
    void deletesOnlyRowsPublishedBeforeTheRetention() throws Exception {
        String run = "purge-" + UUID.randomUUID();
        try {
            for (int i = 0; i < 3; i++) {
                row(run + "-old-" + i, "now() - interval '24 hours 1 second'");
            }
            row(run + "-recent", "now() - interval '23 hours 59 minutes'");
            row(run + "-unpublished", "NULL");

            assertThat(relay.purge()).isGreaterThanOrEqualTo(3);
            assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key LIKE ?", run + "-old-%")).isZero();
            assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key = ?", run + "-recent")).isOne();
            assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key = ? AND published_at IS NULL",
                    run + "-unpublished")).isOne();
        } finally {
            // Another profile's relay would otherwise publish the test's row.
            servers.execute("DELETE FROM api.outbox WHERE event_key LIKE '" + run + "-%'");
        }
    }

    /** A row written three days ago (so only its publication time can keep it) and published at {@code publishedAt}. */
    private void row(String key, String publishedAt) throws Exception {
        servers.execute("INSERT INTO api.outbox (topic, event_key, event_type, payload, created_at, published_at) VALUES ('"
                + servers.topic(Topics.EXECUTIONS) + "', '" + key + "', 'ExecutionCancelRequested', '\\x7b7d'::bytea, "
                + "now() - interval '3 days', " + publishedAt + ")");
    }
}
