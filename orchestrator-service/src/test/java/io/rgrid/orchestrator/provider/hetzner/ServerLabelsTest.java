package io.rgrid.orchestrator.provider.hetzner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerLabelsTest {

    /** pool → accepted as a Hetzner label value or not. */
    @ParameterizedTest(name = "''{0}'' → {1}")
    @CsvSource({
            "default,      true",
            "a,            true",
            "prod-eu_1.b,  true",
            "9,            true",
            "'',           false",
            "-prod,        false",
            "prod.,        false",
            "pro d,        false",
            "prod/eu,      false",
            "p123456789012345678901234567890123456789012345678901234567890ab,  true",
            "p123456789012345678901234567890123456789012345678901234567890abc, false",
    })
    void aPoolMustBeAHetznerLabelValue(String pool, boolean accepted) {
        if (accepted) {
            assertThat(new ServerLabels(pool).selector()).isEqualTo("managed-by=rgrid,pool=" + pool);
        } else {
            assertThatThrownBy(() -> new ServerLabels(pool)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("rgrid.orchestrator.hetzner.pool: '" + pool + "' is not a Hetzner label value");
        }
    }

    /** a listed server's managed-by, pool and worker-id labels ('-': absent) → the worker it is, or '-': not ours. */
    @ParameterizedTest(name = "{0} {1} {2} → {3}")
    @CsvSource({
            "rgrid, prod, rgrid-worker-a, rgrid-worker-a",
            "rgrid, prod, -,              -",
            "rgrid, dev,  rgrid-worker-a, -",
            "rgrid, -,    rgrid-worker-a, -",
            "other, prod, rgrid-worker-a, -",
            "-,     prod, rgrid-worker-a, -",
    })
    void onlyServersWithAllThisGridsLabelsAreWorkers(String managedBy, String pool, String workerId, String expected) {
        Map<String, String> labels = new LinkedHashMap<>();
        put(labels, "managed-by", managedBy);
        put(labels, "pool", pool);
        put(labels, "worker-id", workerId);
        String found = new ServerLabels("prod").workerIdOf(labels);
        assertThat(found == null ? "-" : found).isEqualTo(expected);
    }

    @Test
    void aWorkersServerCarriesTheLabelsItIsSelectedBy() {
        ServerLabels labels = new ServerLabels("prod");
        Map<String, String> of = labels.of("rgrid-worker-a");
        assertThat(of).containsExactly(Map.entry("managed-by", "rgrid"), Map.entry("pool", "prod"),
                Map.entry("worker-id", "rgrid-worker-a"));
        assertThat(labels.workerIdOf(of)).isEqualTo("rgrid-worker-a");
        assertThat(labels.workerIdOf(null)).isNull();
        assertThat(labels.selector("rgrid-worker-a")).isEqualTo("managed-by=rgrid,pool=prod,worker-id=rgrid-worker-a");
    }

    private static void put(Map<String, String> labels, String key, String value) {
        if (!"-".equals(value)) {
            labels.put(key, value);
        }
    }
}
