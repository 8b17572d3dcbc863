package io.rgrid.orchestrator.provider;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.orchestrator.kafka.WorkerLogins;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Whoever creates or deletes a worker through the provider (autoscaler, health monitor,
 * reconciliation), its Kafka login is made before the agent's provider call and gone once the
 * server is deleted or could not be created. The wrapped provider here only records what it was
 * given; the logins are real, on the test run's broker.
 */
class WorkerLoginProviderTest {

    private static KafkaLogins kafka;
    private static WorkerLogins logins;

    @BeforeAll
    static void broker() {
        kafka = SharedServers.get().kafka();
        logins = new WorkerLogins(KafkaIdentity.SECURITY_PROTOCOL, "", kafka.admin(), Duration.ofSeconds(20));
    }

    @Test
    void aProvisionedWorkerLogsInUntilItIsTerminated() throws Exception {
        Recording servers = new Recording(false);
        CloudProvider provider = new WorkerLoginProvider(servers, logins);
        String workerId = "rgrid-worker-" + UUID.randomUUID().toString().substring(0, 6);

        provider.provision(new CloudProvider.ProvisionRequest(workerId, "token"));
        WorkerLogin login = servers.requests.getFirst().kafkaLogin();
        assertThat(login.username()).isEqualTo(KafkaPrincipals.provisionedWorker(workerId));
        assertThat(logsIn(login)).as("while the worker lives").isTrue();

        provider.terminate(workerId);
        assertThat(servers.terminated).containsExactly(workerId);
        assertThat(logsIn(login)).as("after its deletion").isFalse();
    }

    @Test
    void aWorkerThatCouldNotBeCreatedKeepsNoLogin() throws Exception {
        Recording servers = new Recording(true);
        CloudProvider provider = new WorkerLoginProvider(servers, logins);
        String workerId = "rgrid-worker-" + UUID.randomUUID().toString().substring(0, 6);

        assertThatThrownBy(() -> provider.provision(new CloudProvider.ProvisionRequest(workerId, "token")))
                .isInstanceOf(ProvisioningException.class);
        assertThat(logsIn(servers.requests.getFirst().kafkaLogin())).isFalse();
    }

    private static boolean logsIn(WorkerLogin login) throws Exception {
        Map<String, Object> settings = new HashMap<>(KafkaIdentity.scram(login.username(), login.password(),
                kafka.identity(KafkaPrincipals.WORKER).caFile()).clientSettings(kafka.bootstrap()));
        settings.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 20000); // not above the API timeout
        settings.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 20000);
        try (Admin admin = Admin.create(settings)) {
            admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SaslAuthenticationException) {
                return false;
            }
            throw e;
        }
    }

    /** Records the requests and deletions it gets; creates nothing (or fails, as a full project would). */
    private static final class Recording implements CloudProvider {
        final List<ProvisionRequest> requests = new ArrayList<>();
        final List<String> terminated = new ArrayList<>();
        private final boolean fail;

        Recording(boolean fail) {
            this.fail = fail;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public boolean scalable() {
            return true;
        }

        @Override
        public ServerOffer offer() {
            return new ServerOffer("r", 0.0, Duration.ofSeconds(1));
        }

        @Override
        public ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException {
            requests.add(request);
            if (fail) {
                throw new ProvisioningException("no capacity");
            }
            return new ProvisionedServer(request.workerId(), request.workerId(), "http://10.0.0.9:8002", Instant.now(),
                    "r", 0.0);
        }

        @Override
        public Optional<Instant> terminate(String workerId) {
            terminated.add(workerId);
            return Optional.empty();
        }

        @Override
        public List<ProvisionedServer> list() {
            return List.of();
        }
    }
}
