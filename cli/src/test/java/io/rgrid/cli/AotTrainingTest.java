package io.rgrid.cli;

import io.rgrid.cli.core.CliContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training run of the CLI's ahead-of-time cache walks a whole {@code rgrid run} against
 * {@link TrainingApi}: if the CLI's calls change and the training API no longer answers them as
 * api-service would, the rehearsed run fails here instead of quietly training less.
 */
class AotTrainingTest {

    @Test
    void theRehearsedRunSucceedsEndToEnd(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = new CliContext(Map.of("XDG_CONFIG_HOME", dir.resolve("config").toString(),
                "HOME", dir.toString()), CliContext.utf8(out), CliContext.utf8(err), false,
                CliContext.DEFAULT_POLL_START_MILLIS, false);

        int code = AotTraining.rehearseRun(dir, context);

        String errText = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(errText).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(TrainingApi.LOG);
        assertThat(errText).contains("Submitted " + TrainingApi.ID, "SUCCEEDED");
        assertThat(dir.resolve("outputs").resolve(TrainingApi.OUTPUT_NAME)).hasContent(TrainingApi.OUTPUT);
    }

    @Test
    void theWholeTrainingEndsCleanly() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(CliContext.utf8(err));
        try {
            AotTraining.main(new String[0]);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("aot-training:");
    }
}
