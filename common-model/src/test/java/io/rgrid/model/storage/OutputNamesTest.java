package io.rgrid.model.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class OutputNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"result.csv", "sub/b.txt", "a/b/c/d.txt", "plot data.png", "x..y", "..hidden", "a/..b/c",
            ".env", "résumé.txt", "C:x", "new\nline"})
    void namesThatStayBelowTheirFolderAreAccepted(String name) {
        assertThat(OutputNames.problem(name)).isNull();
        Path dir = Path.of("/tmp/out");
        assertThat(dir.resolve(name).normalize().startsWith(dir)).as(name).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../x", "sub/../../x", "a/..", "/etc/passwd", "/x", "..\\..\\x", "a\\b",
            "\\\\server\\share"})
    void absoluteNamesDotDotSegmentsAndBackslashesAreRefused(String name) {
        assertThat(OutputNames.problem(name)).isNotNull();
    }

    @Test
    void theReasonNamesTheProblem() {
        assertThat(OutputNames.problem(null)).isEqualTo("the name is empty");
        assertThat(OutputNames.problem("..\\..\\x")).isEqualTo("'..\\..\\x' contains a backslash");
        assertThat(OutputNames.problem("/etc/passwd")).isEqualTo("'/etc/passwd' is an absolute path");
        assertThat(OutputNames.problem("sub/../../x")).isEqualTo("'sub/../../x' has a '..' segment");
    }

    @Test
    void printableReplacesControlCharactersAndCutsLongNames() {
        assertThat(OutputNames.printable("a\nb\u0000c\u007f")).isEqualTo("a?b?c?");
        assertThat(OutputNames.printable("x".repeat(200))).hasSize(80);
    }
}
