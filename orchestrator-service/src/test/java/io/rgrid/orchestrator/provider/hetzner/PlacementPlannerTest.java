package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlacementPlannerTest {

    /** fallbacks ('|' between entries) → where a server is tried, in order, after cx23@nbg1. */
    @ParameterizedTest(name = "[{0}] → {1}")
    @CsvSource(delimiter = ';', value = {
            "'';                                  cx23@nbg1",
            "cx33@fsn1;                           cx23@nbg1 cx33@fsn1",
            "cx23@hel1|cx33@fsn1;                 cx23@nbg1 cx23@hel1 cx33@fsn1",
            // Repeats, the default included, are tried once.
            "cx23@nbg1|cx33@fsn1|cx33@fsn1;       cx23@nbg1 cx33@fsn1",
            // Blank entries are ignored, spaces around type and location trimmed.
            "|   | cx33 @ fsn1 |;                   cx23@nbg1 cx33@fsn1",
    })
    void triesTheDefaultThenEachFallbackOnce(String fallbacks, String expected) {
        List<Placement> placements = PlacementPlanner.placements("cx23", "nbg1", entries(fallbacks));
        assertThat(placements).extracting(Placement::toString).containsExactly(expected.split(" "));
    }

    /** a fallback entry that is not type@location → refused at start-up, naming the entry. */
    @ParameterizedTest(name = "[{0}] refused")
    @CsvSource(delimiter = ';', value = {
            "cx33;          cx33",
            "cx33@;         cx33@",
            "@fsn1;         @fsn1",
            "cx33@fsn1@x;   cx33@fsn1@x",
            "cx33@fsn1|fsn1; fsn1",
    })
    void aFallbackThatIsNotTypeAtLocationIsRefused(String fallbacks, String named) {
        assertThatThrownBy(() -> PlacementPlanner.placements("cx23", "nbg1", entries(fallbacks)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rgrid.orchestrator.hetzner.fallbacks: entry '" + named
                        + "' is not type@location (e.g. cx33@fsn1)");
    }

    /** chosen type ('-': none) with the placements cx23@nbg1 cx33@fsn1 cx23@hel1 cx33@hel1 → where it is tried. */
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
            "-,     cx23@nbg1 cx33@fsn1 cx23@hel1 cx33@hel1",
            "cx23,  cx23@nbg1 cx23@hel1",
            "cx33,  cx33@nbg1 cx33@fsn1 cx33@hel1",
            // A type no fallback names: the default location only.
            "cx53,  cx53@nbg1",
    })
    void aChosenTypeIsTriedInTheDefaultLocationThenItsFallbacks(String type, String expected) {
        List<Placement> placements = PlacementPlanner.placements("cx23", "nbg1",
                List.of("cx33@fsn1", "cx23@hel1", "cx33@hel1"));
        MachineType chosen = "-".equals(type) ? null : new MachineType(type, 2, 4096, 0.01);
        assertThat(PlacementPlanner.placementsFor(placements, "nbg1", chosen)).extracting(Placement::toString)
                .containsExactly(expected.split(" "));
    }

    private static List<String> entries(String joined) {
        return Arrays.asList(joined.split("\\|", -1));
    }
}
