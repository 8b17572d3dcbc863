package io.rgrid.orchestrator.provider;

import org.junit.jupiter.api.Test;

import io.rgrid.model.event.MachineType;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StaticProviderTest {

    @Test
    void parsesEntriesAndKeepsEqualsSignsInTokens() {
        List<CloudProvider.ConfiguredWorker> agents = StaticProvider.parse(List.of(
                "rgrid-worker-aaaaaa=http://10.0.0.5:8002=tok",
                " rgrid-worker-bbbbbb=http://10.0.0.6:8002=dG9rZW4= "));
        assertThat(agents).containsExactly(
                new CloudProvider.ConfiguredWorker("rgrid-worker-aaaaaa", "http://10.0.0.5:8002", "tok"),
                new CloudProvider.ConfiguredWorker("rgrid-worker-bbbbbb", "http://10.0.0.6:8002", "dG9rZW4="));
    }

    @Test
    void rejectsIncompleteEntriesWithoutEchoingTheToken() {
        assertThatThrownBy(() -> StaticProvider.parse(List.of("rgrid-worker-aaaaaa=http://x")))
                .hasMessageContaining("id=url=token");
        assertThatThrownBy(() -> StaticProvider.parse(List.of("rgrid-worker-aaaaaa==secret")))
                .hasMessageNotContaining("secret");
    }

    @Test
    void neverScalesOrProvisions() {
        StaticProvider provider = new StaticProvider(List.of("rgrid-worker-aaaaaa=http://x:1=t"));
        assertThat(provider.scalable()).isFalse();
        assertThat(provider.list()).hasSize(1);
        assertThatThrownBy(() -> provider.provision(new CloudProvider.ProvisionRequest("rgrid-worker-cccccc", "t")))
                .isInstanceOf(ProvisioningException.class);
    }

    @Test
    void describesTheDeclaredSizeOfItsLargestAgentOrNothing() {
        assertThat(new StaticProvider(List.of()).machineTypes()).isEmpty();
        assertThat(new StaticProvider(List.of(), Optional.of(4.0), Optional.of(8192)).machineTypes())
                .containsExactly(new MachineType("static", 4.0, 8192, 0.0));
    }

    @Test
    void refusesAHalfOrNonPositiveSizeNamingBothKeys() {
        assertThatThrownBy(() -> StaticProvider.size(Optional.of(4.0), Optional.empty()))
                .hasMessageContaining("worker-cpus").hasMessageContaining("worker-memory-mb")
                .hasMessageContaining("set both");
        assertThatThrownBy(() -> StaticProvider.size(Optional.of(0.0), Optional.of(1024)))
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> StaticProvider.size(Optional.of(Double.NaN), Optional.of(1024)))
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> StaticProvider.size(Optional.of(2.0), Optional.of(-1)))
                .hasMessageContaining("must be positive");
    }
}
