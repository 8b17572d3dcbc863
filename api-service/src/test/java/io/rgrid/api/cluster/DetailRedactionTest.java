package io.rgrid.api.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class DetailRedactionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "first heartbeat from http://10.0.0.3:8002                     | first heartbeat from <url>",
            "provisioning failed: SSH to 10.0.0.7:22 refused                | provisioning failed: SSH to <address> refused",
            "no route to 10.0.0.0/16                                        | no route to <address>",
            "key /opt/rgrid/infra/hetzner_worker.key is unreadable          | key <path> is unreadable",
            "key ~/.ssh/id_ed25519 is unreadable                            | key <path> is unreadable",
            "agent at [fd00::3]:8002 did not answer                         | agent at <address> did not answer",
            "agent at fd00::3 did not answer                                | agent at <address> did not answer",
            "agent at 2a01:4f8:c17:1::1 did not answer                      | agent at <address> did not answer",
            "cannot resolve worker-3.internal.example.com.                  | cannot resolve <host>.",
            "cannot reach kafka:9092                                        | cannot reach <host>",
            "java.net.ConnectException: Connection refused                  | java.net.ConnectException: Connection refused",
            "idle near the end of its billing period                        | idle near the end of its billing period",
            "deleted: idle at the end of its billing period                 | deleted: idle at the end of its billing period",
            "resource_unavailable for cx23@nbg1, trying cx33@fsn1           | resource_unavailable for cx23@nbg1, trying cx33@fsn1",
            "agent is draining                                              | agent is draining",
            "boot took 12:30 minutes, 0.5 of 1/2 done, version 1.2.3        | boot took 12:30 minutes, 0.5 of 1/2 done, version 1.2.3",
            "heartbeat at 2026-01-01T10:00:00Z missed                       | heartbeat at 2026-01-01T10:00:00Z missed",
    })
    void hidesHostsAddressesAndPaths(String detail, String redacted) {
        assertThat(DetailRedaction.redact(detail)).isEqualTo(redacted);
    }

    @Test
    void nullStaysNull() {
        assertThat(DetailRedaction.redact(null)).isNull();
    }
}
