package io.rgrid.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemorySizeTest {

    @ParameterizedTest
    @CsvSource({"512m,512", "2g,2048", "2G,2048", "1024,1024", "1536k,2", "256MiB,256", "1gb,1024"})
    void parsesDockerStyleSizes(String text, int mb) {
        assertThat(MemorySize.parseMb(text)).isEqualTo(mb);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "lots", "-5m", "1.5g", "12t", "m"})
    void rejectsWhatIsNotASize(String text) {
        assertThatThrownBy(() -> MemorySize.parseMb(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("512m");
    }

    @ParameterizedTest
    @CsvSource({"64,64m", "1024,1g", "4096,4g", "1536,1536m", "1,1m"})
    void formatsAsTheCliTakesIt(int mb, String text) {
        assertThat(MemorySize.format(mb)).isEqualTo(text);
        assertThat(MemorySize.parseMb(text)).isEqualTo(mb);
    }
}
