package io.rgrid.cli.output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StageTimingsTest {

    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    /** The API's clock runs 5 s ahead of this machine's: only same-clock differences may be taken. */
    private static final Instant API = T0.plusSeconds(5);

    private static StageTimings.Points run() {
        return new StageTimings.Points(T0, T0.plusMillis(150), T0.plusMillis(400), API.plusMillis(350),
                API.plusMillis(650), API.plusMillis(1350), T0.plusMillis(1500), T0.plusMillis(1550));
    }

    @Test
    void sixStagesOnTheirOwnClocksAddUpToTheTotal() {
        List<StageTimings.Stage> stages = StageTimings.stages(run());
        assertThat(stages).extracting(s -> s.length().toMillis()).containsExactly(150L, 250L, 300L, 700L, 100L, 50L);
        assertThat(stages.stream().map(StageTimings.Stage::length).reduce(Duration.ZERO, Duration::plus))
                .as("the stages add up when createdAt is the POST's answer").isEqualTo(Duration.ofMillis(1550));
    }

    @Test
    void theTableShowsEachStagesMillisecondsAndShare() {
        List<String> table = StageTimings.table(run());
        assertThat(table).containsExactly(
                "timings: 1550 ms from launch to done (the JVM's exit follows)",
                "  launch -> command         150 ms  10%  launcher, JVM start, picocli",
                "  command -> Submitted      250 ms  16%  config, upload, S3 write, commit, answer",
                "  created -> RUNNING        300 ms  19%  outbox relay, dispatch, the agent starting the container",
                "  RUNNING -> finished       700 ms  45%  the script in its container",
                "  finished -> end here      100 ms   6%  the report through Kafka, the API, the stream",
                "  end -> done                50 ms   3%  the rest of the log, outputs");
    }

    @Test
    void aMissingPointLeavesItsStagesUnknown() {
        StageTimings.Points neverRan = new StageTimings.Points(null, T0, T0.plusMillis(300), API, null, null,
                T0.plusMillis(900), T0.plusMillis(950));
        List<String> table = StageTimings.table(neverRan);
        assertThat(table.get(0)).isEqualTo("timings: 950 ms from command start to done (the JVM's exit follows)");
        assertThat(table.get(1)).startsWith("  launch -> command           ? ms");
        assertThat(table.get(3)).startsWith("  created -> RUNNING          ? ms");
        assertThat(table.get(5)).startsWith("  finished -> end here        ? ms");
        assertThat(table.get(6)).startsWith("  end -> done                50 ms   5%");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "null", value = {
            "1764936000.123456,    2025-12-05T12:00:00.123456Z",
            "'1764936000,5',       2025-12-05T12:00:00.500Z",
            "1764936000.123456789, 2025-12-05T12:00:00.123456789Z",
            "1764936000,           null",
            "'',                   null",
            "null,                 null",
            "abc.def,              null",
            "-1.5,                 null"})
    void epochSeconds(String text, String expected) {
        assertThat(StageTimings.epochSeconds(text)).isEqualTo(expected == null ? null : Instant.parse(expected));
    }
}
