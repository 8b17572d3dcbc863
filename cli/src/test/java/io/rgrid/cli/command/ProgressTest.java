package io.rgrid.cli.command;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.http.ApiClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    @Test
    void progressIsDrawnInPlaceOnlyOnATerminalAndOnlyForLargeUploads() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext terminal = new CliContext(Map.of(), System.out, CliContext.utf8(err), false, 20, true);
        ApiClient.Progress progress = RunCommand.progress(terminal, "Uploading");
        progress.sent(1024, 2048); // small: nothing
        progress.sent(5L << 20, 10L << 20);
        progress.sent(10L << 20, 10L << 20);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\rUploading [##########          ] 50% 5.0 MiB of 10.0 MiB")
                .endsWith("\rUploading [####################] 100% 10.0 MiB of 10.0 MiB\n");

        CliContext pipe = CliContext.forTest(Map.of(), System.out, System.err);
        assertThat(RunCommand.progress(pipe, "Uploading")).isNull();
    }
}
