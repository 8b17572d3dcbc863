package io.rgrid.worker.runtime.docker;

import io.rgrid.worker.config.WorkerConfig.EgressPolicy;
import io.rgrid.worker.runtime.docker.EgressDecision.NetworkFacts;
import io.rgrid.worker.runtime.docker.EgressDecision.Outcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every state a worker's execution network and the policy's marker can be in, and whether the
 * agent starts (and on which network executions with network bridge run). Columns: policy, the
 * network's driver ("-": no such network), its bridge name, its enable_icc option, IPv6, the
 * marker's network and bridge ("-": no marker), then start?, the network, a part of the message.
 */
class EgressDecisionTest {

    private static final String MARKER = "/run/rgrid/egress-policy";

    @ParameterizedTest(name = "{0}: driver {1}, bridge {2}, icc {3}, ipv6 {4}, marker {5}/{6} -> start {7} on {8}")
    @CsvSource(delimiter = '|', nullValues = "~", textBlock = """
            # off: Docker's default bridge whatever the host shows, with a warning
            OFF     | -      | ~           | ~     | false | -          | -           | true  | bridge     | reach whatever this host reaches
            OFF     | bridge | rgrid-exec0 | false | false | rgrid-exec | rgrid-exec0 | true  | bridge     | OFF
            # enforce, all in place: the policy's network
            ENFORCE | bridge | rgrid-exec0 | false | false | rgrid-exec | rgrid-exec0 | true  | rgrid-exec | public addresses only
            # enforce, the script never ran: no network
            ENFORCE | -      | ~           | ~     | false | -          | -           | false | rgrid-exec | Docker has no network rgrid-exec
            # a network made by hand: inter-container traffic on, no bridge name, IPv6, another driver
            ENFORCE | bridge | rgrid-exec0 | ~     | false | rgrid-exec | rgrid-exec0 | false | rgrid-exec | reach each other
            ENFORCE | bridge | rgrid-exec0 | true  | false | rgrid-exec | rgrid-exec0 | false | rgrid-exec | reach each other
            ENFORCE | bridge | ~           | false | false | rgrid-exec | rgrid-exec0 | false | rgrid-exec | names no Linux bridge
            ENFORCE | bridge | rgrid-exec0 | false | true  | rgrid-exec | rgrid-exec0 | false | rgrid-exec | IPv6
            ENFORCE | macvlan| rgrid-exec0 | false | false | rgrid-exec | rgrid-exec0 | false | rgrid-exec | driver macvlan
            # the network is there but the rules were not confirmed since boot (reboot, failed check)
            ENFORCE | bridge | rgrid-exec0 | false | false | -          | -           | false | rgrid-exec | worker-egress.sh check has not passed
            # the marker speaks of another network or bridge
            ENFORCE | bridge | rgrid-exec0 | false | false | other      | rgrid-exec0 | false | rgrid-exec | was written for network other
            ENFORCE | bridge | br-1234     | false | false | rgrid-exec | rgrid-exec0 | false | rgrid-exec | not rgrid-exec on br-1234
            """)
    void decides(EgressPolicy policy, String driver, String bridge, String icc, boolean ipv6, String markerNetwork,
                 String markerBridge, boolean start, String network, String message) {
        Optional<NetworkFacts> facts = driver.equals("-") ? Optional.empty()
                : Optional.of(new NetworkFacts(driver, bridge, icc, ipv6));
        Optional<String> marker = markerNetwork.equals("-") ? Optional.empty()
                : Optional.of("network=" + markerNetwork + "\nbridge=" + markerBridge + "\nchecked=2026-12-05T17:00:00Z\n");
        Outcome outcome = EgressDecision.decide(policy, "rgrid-exec", facts, marker, MARKER);
        assertThat(outcome.start()).as(outcome.message()).isEqualTo(start);
        assertThat(outcome.bridgeNetwork()).isEqualTo(network);
        assertThat(outcome.message()).contains(message);
        if (!start) {
            assertThat(outcome.message()).as("a refusal says how to fix it").contains("worker-egress.sh install",
                    "RGRID_WORKER_EGRESS_POLICY=off");
        }
    }
}
