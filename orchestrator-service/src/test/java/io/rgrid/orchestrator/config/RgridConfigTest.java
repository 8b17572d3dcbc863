package io.rgrid.orchestrator.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.PathConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The defaults documented in README.md and on {@link RgridConfig}, and the map/list forms. */
public class RgridConfigTest {

    public static RgridConfig load(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(RgridConfig.class)
                // The converters Quarkus registers for "10s"-style durations and paths.
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(Path.class, 100, new PathConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(RgridConfig.class);
    }

    @Test
    void defaults() {
        RgridConfig config = load(Map.of());
        assertThat(config.orchestrator().provider()).isEqualTo("local");
        assertThat(config.orchestrator().apiToken()).isEmpty();
        assertThat(config.orchestrator().local().firstPort()).isEqualTo(8002);
        assertThat(config.orchestrator().local().workDir()).isEmpty();
        assertThat(config.orchestrator().local().agentEnv()).isEmpty();
        assertThat(config.orchestrator().scaling().queueThreshold()).isEqualTo(5);
        assertThat(config.orchestrator().scaling().maxWorkers()).isEqualTo(10);
        assertThat(config.orchestrator().scaling().minWorkers()).isZero();
        assertThat(config.orchestrator().health().lostAfter()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.orchestrator().dispatch().ackTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.orchestrator().staticProvider().agents()).isEmpty();
        assertThat(config.kafka().topicPrefix()).isEmpty();
        assertThat(config.storage().bucket()).isEqualTo("rgrid");
    }

    @Test
    void hetznerDefaults() {
        RgridConfig.Hetzner hetzner = load(Map.of()).orchestrator().hetzner();
        assertThat(hetzner.apiToken()).isEmpty();
        assertThat(hetzner.apiUrl()).isEqualTo("https://api.hetzner.cloud/v1");
        assertThat(hetzner.serverType()).isEqualTo("cx23");
        assertThat(hetzner.location()).isEqualTo("nbg1");
        assertThat(hetzner.image()).isEqualTo("ubuntu-24.04");
        assertThat(hetzner.fallbacks()).containsExactly("cx23@fsn1", "cx23@hel1", "cx33@nbg1", "cx33@fsn1");
        assertThat(hetzner.pool()).isEqualTo("default");
        assertThat(hetzner.sshKeyPath()).isEqualTo(Path.of("/opt/rgrid/infra/hetzner_worker.key"));
        assertThat(hetzner.sshSourceIps()).isEmpty();
        assertThat(hetzner.requestsPerHour()).isEqualTo(3600);
        assertThat(hetzner.sshVia()).isEqualTo("private");
    }

    @Test
    void agentEnvAndStaticAgents() {
        RgridConfig config = load(Map.of(
                "rgrid.orchestrator.local.agent-env.RGRID_WORKER_HEARTBEAT_INTERVAL", "2s",
                "rgrid.orchestrator.static.agents", "rgrid-worker-aaaaaa=http://a:8002=t1,rgrid-worker-bbbbbb=http://b:8002=t2",
                "rgrid.kafka.topic-prefix", "orch."));
        assertThat(config.orchestrator().local().agentEnv()).containsEntry("RGRID_WORKER_HEARTBEAT_INTERVAL", "2s");
        assertThat(config.orchestrator().staticProvider().agents().orElseThrow()).hasSize(2);
        assertThat(config.kafka().topicPrefix()).contains("orch.");
    }
}
