package io.rgrid.worker.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the agent says something about Kafka: sends as they come ({@code F} failed, {@code D}
 * delivered, each at a second), and what each one makes the agent log ({@code warn}: an outage
 * starts; {@code ended Ns/K}: it ended after N s with K failed sends; {@code -}: nothing).
 */
class KafkaOutageTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # Kafka takes everything: never a word
            D0 D1 D2                | - - -
            # the first failure warns, the next ones of the same outage say nothing
            F0 F1 F2                | warn - -
            # the first delivery after failures ends the outage, with its length and failures
            F0 F5 F30 D42           | warn - - ended 42s/3
            # ... and only the first: later deliveries say nothing
            F0 D3 D4                | warn ended 3s/1 -
            # a second outage is a new one, counted afresh
            F0 F1 D2 F10 D40        | warn - ended 2s/2 warn ended 30s/1
            # deliveries before an outage do not count in it
            D0 D1 F2 D7             | - - warn ended 5s/1
            """)
    void saysOncePerOutage(String sends, String expected) {
        KafkaOutage outage = new KafkaOutage();
        List<String> said = new ArrayList<>();
        for (String send : sends.split(" +")) {
            Instant at = Instant.ofEpochSecond(Long.parseLong(send.substring(1)));
            if (send.charAt(0) == 'F') {
                said.add(outage.failed(at) ? "warn" : "-");
            } else {
                said.add(outage.delivered(at).map(e -> "ended " + e.lasted().toSeconds() + "s/" + e.failedSends()).orElse("-"));
            }
        }
        assertThat(String.join(" ", said)).isEqualTo(expected);
    }
}
