package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WorkerEnvFileTest {

    /** name, value ('\n' for a newline, '{q}' for a single quote, 'null' for none) → the line written, or the refusal. */
    @ParameterizedTest(name = "{0}={1} → {2}")
    @CsvSource(nullValues = "null", delimiter = '|', value = {
            "RGRID_WORKER_ID      | rgrid-worker-a      | RGRID_WORKER_ID='rgrid-worker-a'",
            "_X1                  | a b $HOME `id` \"q\" | _X1='a b $HOME `id` \"q\"'",
            "EMPTY                | ''                  | EMPTY=''",
            "NONE                 | null                | NONE=''",
            "lower                | v                   | refused: not an environment variable name: 'lower'",
            "1ST                  | v                   | refused: not an environment variable name: '1ST'",
            "A-B                  | v                   | refused: not an environment variable name: 'A-B'",
            "SECRET               | it{q}s              | refused: the value of SECRET contains a quote, backslash or newline, which the env file cannot carry",
            "SECRET               | a\\b                | refused: the value of SECRET contains a quote, backslash or newline, which the env file cannot carry",
            "SECRET               | a\\nb               | refused: the value of SECRET contains a quote, backslash or newline, which the env file cannot carry",
    })
    void eachEntryIsOneSingleQuotedLineOrARefusalThatNeverShowsTheValue(String name, String value, String expected) {
        Map<String, String> env = new HashMap<>();
        String real = value == null ? null : value.replace("\\n", "\n").replace("{q}", "'");
        env.put(name, real);
        String outcome;
        try {
            String file = WorkerEnvFile.render(env);
            assertThat(file).startsWith("# Written by the orchestrator's SSH bootstrap; mode 0600.\n");
            outcome = file.substring(file.indexOf('\n') + 1).stripTrailing();
        } catch (BootstrapException e) {
            assertThat(e.step()).isEqualTo(SshWorkerBootstrap.CONFIGURE);
            outcome = "refused: " + e.getMessage().substring((SshWorkerBootstrap.CONFIGURE + ": ").length());
            if (real != null && real.length() > 1) {
                assertThat(e.getMessage()).doesNotContain(real);
            }
        }
        assertThat(outcome).isEqualTo(expected);
    }

    /** agent-address, ssh host, private IP ('-': none) → the agent's address ('-': none). */
    @ParameterizedTest(name = "{0}: ssh {1}, private {2} → {3}")
    @CsvSource({
            "private, 203.0.113.5, 10.0.0.3, http://10.0.0.3:8002",
            "ssh,     203.0.113.5, 10.0.0.3, http://203.0.113.5:8002",
            "private, 203.0.113.5, -,        -",
            "ssh,     -,           10.0.0.3, -",
            "private, 203.0.113.5, ' ',      -",
    })
    void theAgentListensOnThePrivateAddressOrTheOneSshUsed(String agentAddress, String sshHost, String privateIp,
                                                            String expected) {
        WorkerEnvFile file = new WorkerEnvFile(settings("ssh".equals(agentAddress), Map.of()));
        Target target = target(dash(sshHost), dash(privateIp), null, null);
        String address = file.agentAddress(target);
        assertThat(address == null ? "-" : address).isEqualTo(expected);
    }

    @Test
    void theFileCarriesIdentityAddressKafkaLoginSizeAndExtrasInOrder() throws Exception {
        WorkerEnvFile file = new WorkerEnvFile(settings(false, Map.of("RGRID_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")));
        String text = file.envFile(target("203.0.113.5", "10.0.0.3", new MachineType("cx33", 4, 8192, 0.01),
                new WorkerLogin("rgrid-worker-a", "pw")));
        List<String> keys = text.lines().skip(1).map(l -> l.substring(0, l.indexOf('='))).toList();
        assertThat(keys).hasSize(12);
        assertThat(keys.subList(0, 6)).containsExactly("RGRID_WORKER_ID", "RGRID_WORKER_TOKEN",
                "RGRID_WORKER_ADVERTISED_ADDRESS", "QUARKUS_HTTP_HOST", "QUARKUS_HTTP_PORT",
                "RGRID_KAFKA_SECURITY_PROTOCOL");
        // The login's two keys come from one Map.of: their order is not defined.
        assertThat(keys.subList(6, 8)).containsExactlyInAnyOrder("RGRID_KAFKA_USERNAME", "RGRID_KAFKA_PASSWORD");
        assertThat(keys.subList(8, 12)).containsExactly("RGRID_KAFKA_CA_FILE", "RGRID_WORKER_CPUS",
                "RGRID_WORKER_MEMORY_MB", "EXTRA");
        assertThat(text).contains("RGRID_WORKER_ADVERTISED_ADDRESS='http://10.0.0.3:8002'\n",
                "RGRID_KAFKA_CA_FILE='/opt/rgrid/rgrid-server-1/kafka-ca.pem'\n", "RGRID_WORKER_CPUS='4.0'\n",
                "RGRID_WORKER_MEMORY_MB='8192'\n");
    }

    @Test
    void noAddressOrNoKafkaLoginUnderSaslIsARefusalOfTheConfigureStep() {
        WorkerEnvFile file = new WorkerEnvFile(settings(false, Map.of("RGRID_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")));
        assertThatThrownBy(() -> file.envFile(target("203.0.113.5", null, null, new WorkerLogin("u", "p"))))
                .hasMessage("configure: rgrid-server-1 has no private network address for its agent "
                        + "(rgrid.orchestrator.bootstrap.agent-address=private)");
        BootstrapException noLogin = catchThrowableOfType(BootstrapException.class,
                () -> file.envFile(target("203.0.113.5", "10.0.0.3", null, null)));
        assertThat(noLogin.step()).isEqualTo(SshWorkerBootstrap.CONFIGURE);
        assertThat(noLogin.getMessage()).contains("no Kafka login was issued for this worker");
    }

    private static String dash(String value) {
        return "-".equals(value) ? null : value;
    }

    private static Target target(String sshHost, String privateIp, MachineType size, WorkerLogin login) {
        return new Target("rgrid-server-1", 7, "rgrid-worker-a", "tok", sshHost, 22, privateIp, size, login);
    }

    private static SshWorkerBootstrap.Settings settings(boolean agentOnSsh, Map<String, String> kafkaEnv) {
        Duration t = Duration.ofSeconds(30);
        return new SshWorkerBootstrap.Settings(Path.of("key"), "root", Path.of("known_hosts"), Path.of("quarkus-app"),
                "/opt/rgrid/{server-name}/agent", "/opt/rgrid/{server-name}/worker.env", "rgrid", 8002, agentOnSsh,
                "true", "true", kafkaEnv, Path.of("ca.pem"), Map.of("EXTRA", "x"), t, t, t, t, t);
    }
}
