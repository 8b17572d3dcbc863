package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NoCloudSeedTest {

    private static ServerInfo server(String userData) {
        return new ServerInfo(42, "rgrid-worker-1", "initializing", "cx23", "nbg1", Map.of(), "10.0.1.2",
                List.of("10.0.1.2"), List.of(7L), userData);
    }

    @Test
    void metaDataHasTheInstanceIdHostnameAndKeys() throws Exception {
        JsonNode meta = Api.MAPPER.readTree(NoCloudSeed.metaData(server(null),
                List.of("ssh-ed25519 AAAAC3 one\n", "  ", "ssh-ed25519 AAAAC4 \"quoted\": two")));

        assertThat(meta.path("instance-id").asText()).isEqualTo("hetzner-42");
        assertThat(meta.path("local-hostname").asText()).isEqualTo("rgrid-worker-1");
        assertThat(meta.path("public-keys")).hasSize(2);
        assertThat(meta.path("public-keys").get(0).asText()).isEqualTo("ssh-ed25519 AAAAC3 one");
        assertThat(meta.path("public-keys").get(1).asText()).isEqualTo("ssh-ed25519 AAAAC4 \"quoted\": two");
    }

    @Test
    void userDataIsTheServersUserDataVerbatimOrEmpty() {
        assertThat(NoCloudSeed.userData(server("#cloud-config\nruncmd: [true]\n"))).isEqualTo("#cloud-config\nruncmd: [true]\n");
        assertThat(NoCloudSeed.userData(server(null))).isEmpty();
    }
}
