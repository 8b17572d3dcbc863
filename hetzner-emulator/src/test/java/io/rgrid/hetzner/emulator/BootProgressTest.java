package io.rgrid.hetzner.emulator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What a node container's state means for its server's boot, as a table. */
class BootProgressTest {

    @ParameterizedTest(name = "container running {0}, systemd ''{1}'' -> {2}")
    @CsvSource(nullValues = "null", value = {
            "true,  running,        BOOTED",
            "true,  degraded,       BOOTED",
            "true,  'running\n',    BOOTED",
            "true,  initializing,   BOOTING",
            "true,  starting,       BOOTING",
            "true,  offline,        BOOTING",
            "true,  '',             BOOTING",
            "true,  null,           BOOTING",
            "true,  maintenance,    FAILED",
            "true,  stopping,       FAILED",
            "true,  'Failed to connect to bus: No such file or directory', BOOTING",
            "true,  'Failed to get unit file state', FAILED",
            "false, running,        FAILED",
            "false, null,           FAILED",
    })
    void decides(boolean containerRunning, String systemState, BootProgress expected) {
        assertThat(BootProgress.of(containerRunning, systemState)).isEqualTo(expected);
    }
}
