package io.rgrid.e2e.chaos;

import io.rgrid.local.Layout;
import io.rgrid.local.infra.KafkaSecrets;
import io.rgrid.local.infra.KafkaServer;
import io.rgrid.local.infra.Ports;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker restarted after a provisioned worker's SCRAM user was removed still lets every client log
 * in: the regression test of {@link KafkaPrincipals#SCRAM_ANCHOR}. The removed user's name hashes
 * to 0, as the anchor's does, and no formatted user's name shares its bucket in a small table, so
 * without the anchor the restart's replay (one metadata delta from an empty image, the broker has
 * no snapshot yet) would apply the removal first and drop every user: this test failed that way
 * before the anchor (CI's chaos suite hit it with {@code rgrid-worker-eu7pn3}, one name in 16).
 */
class KafkaRestartKeepsLoginsTest {

    /** A worker's user whose removal comes first in Kafka's HashMap order (its hash is 0). */
    private static final String REMOVED_WORKER = KafkaPrincipals.PROVISIONED_WORKER_PREFIX + "victim-aoikiyk";
    private static final Duration START = Duration.ofMinutes(4);

    @TempDir
    Path dir;

    @Test
    void aRestartAfterAWorkersUserWasRemovedKeepsEveryLogin() throws Exception {
        assertThat(REMOVED_WORKER.hashCode()).as("the removed user sorts first").isZero();
        Path repo = SharedServers.repoRoot();
        Path lib = new Layout(repo, repo.resolve("local-grid").resolve("target")).libDir();
        int port = Ports.free();
        int controllerPort = Ports.free();
        Path data = dir.resolve("kafka");
        Path log = dir.resolve("kafka.log");
        KafkaServer kafka = KafkaServer.start(lib, data, port, controllerPort, log, START);
        try {
            KafkaLogins logins = logins(kafka);
            try (Admin admin = Admin.create(logins.admin())) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(REMOVED_WORKER,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "a-worker-password"))).all()
                        .get(1, TimeUnit.MINUTES);
                admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(REMOVED_WORKER,
                        ScramMechanism.SCRAM_SHA_512))).all().get(1, TimeUnit.MINUTES);
                assertThat(users(admin)).as("before the restart").isEqualTo(formattedUsers());
            }
            kafka.stop();
            kafka = KafkaServer.start(lib, data, port, controllerPort, log, START);
            for (String user : KafkaPrincipals.ALL) {
                try (Admin client = Admin.create(logins.client(user))) {
                    // Any request needs the login; listing topics is one every user may make.
                    client.listTopics().names().get(1, TimeUnit.MINUTES);
                }
            }
            try (Admin admin = Admin.create(logins.admin())) {
                assertThat(users(admin)).as("after the restart").isEqualTo(formattedUsers());
            }
        } finally {
            kafka.stop();
        }
    }

    private static KafkaLogins logins(KafkaServer kafka) {
        KafkaSecrets secrets = kafka.secrets();
        return new KafkaLogins(kafka.bootstrapServers(), secrets.caFile().toString(), secrets.passwords());
    }

    private static Set<String> users(Admin admin) throws Exception {
        return new TreeSet<>(admin.describeUserScramCredentials().all().get(1, TimeUnit.MINUTES).keySet());
    }

    private static Set<String> formattedUsers() {
        List<String> users = new ArrayList<>(KafkaPrincipals.ALL);
        users.add(KafkaPrincipals.SCRAM_ANCHOR);
        return new TreeSet<>(users);
    }
}
