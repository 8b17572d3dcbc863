package io.rgrid.api.execution.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class FileNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"data.csv", ".env", "my script.py", "résumé.txt", "a-b_c.1"})
    void plainNamesAreAccepted(String name) {
        assertThat(FileNames.problem(name)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "..", ".", "../etc/passwd", "a/b", "/etc/passwd", "a\\b", "C:evil", "x..y",
            "tab\there", "nul\u0000", "new\nline", " lead", "trail "})
    void pathsAndControlCharactersAreRejected(String name) {
        assertThat(FileNames.problem(name)).isNotNull();
    }

    @Test
    void nullAndTooLongAreRejected() {
        assertThat(FileNames.problem(null)).isNotNull();
        assertThat(FileNames.problem("a".repeat(256))).isNotNull();
        assertThat(FileNames.problem("a".repeat(255))).isNull();
    }
}
