package io.rgrid.costsim;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceTest {

    @Test
    void readsCommentsBlankLinesAndUnsortedRows() throws Exception {
        Trace t = Trace.parse("t.csv", new StringReader("""
                # a comment
                arrival_s, duration_s, cpus

                10.5,60,1
                # another
                2,1.25,0.5
                """));
        assertThat(t.jobs()).extracting(Trace.Job::arrivalMillis).containsExactly(2_000L, 10_500L);
        assertThat(t.jobs().getFirst().durationMillis()).isEqualTo(1_250);
        assertThat(t.jobs().getFirst().cpus()).isEqualTo(0.5);
    }

    @Test
    void namesTheLineAndTheProblem() {
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("start,length\n1,2\n")))
                .hasMessage("t.csv:1: the first line must be the header 'arrival_s,duration_s,cpus', not 'start,length'");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("arrival_s,duration_s,cpus\n1,x,1\n")))
                .hasMessage("t.csv:2: duration_s must be a number, got 'x'");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("arrival_s,duration_s,cpus\n1,0,1\n")))
                .hasMessage("t.csv:2: duration_s must be > 0, got 0");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("arrival_s,duration_s,cpus\n-1,5,1\n")))
                .hasMessage("t.csv:2: arrival_s must be >= 0, got -1");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("arrival_s,duration_s,cpus\n1,5\n")))
                .hasMessageContaining("t.csv:2: expected 3 fields");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("arrival_s,duration_s,cpus\n")))
                .hasMessage("t.csv: the trace has no executions");
        assertThatThrownBy(() -> Trace.parse("t.csv", new StringReader("")))
                .hasMessageContaining("empty file");
    }

    @Test
    void commandLineErrorsExitTwoWithAMessage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(CostSimulator.run(new String[] {"--max-workers", "ten", "x.csv"}, out, errStream)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--max-workers must be a whole number, not 'ten'");
        err.reset();
        assertThat(CostSimulator.run(new String[] {"missing.csv"}, out, errStream)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.csv: no such file");
        err.reset();
        assertThat(CostSimulator.run(new String[] {"--min-workers", "11", "x.csv"}, out, errStream)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("min workers must be between 0 and max workers");
        err.reset();
        assertThat(CostSimulator.run(new String[] {"--bogus", "1"}, out, errStream)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --bogus");
    }
}
