package io.rgrid.testinfra.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The I/O rule itself: a decision that reads a file fails it; one that only names an exception passes. */
class IoFreeTest {

    static final class ReadingDecision {
        static String decide(Path file) throws IOException {
            return Files.readString(file);
        }
    }

    static final class ClassifyingDecision {
        static boolean decide(RuntimeException e) {
            return e instanceof UncheckedIOException;
        }
    }

    static final class ReadingHelper {
        static String read(Path file) throws IOException {
            return Files.readString(file);
        }
    }

    private static final String ROOT = "io.rgrid.testinfra.arch";

    @Test
    void aDecisionThatReadsAFileFails() {
        assertThatThrownBy(() -> rule(List.of()).check(classes(ReadingDecision.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("java.nio.file.Files");
    }

    @Test
    void namingAnExceptionTypeIsNoIo() {
        assertThatCode(() -> rule(List.of()).check(classes(ClassifyingDecision.class))).doesNotThrowAnyException();
    }

    @Test
    void aClassOutsideTheNamingRuleIsHeldToItWhenListed() {
        assertThatCode(() -> rule(List.of()).check(classes(ReadingHelper.class))).doesNotThrowAnyException();
        assertThatThrownBy(() -> rule(List.of(ReadingHelper.class.getName())).check(classes(ReadingHelper.class)))
                .isInstanceOf(AssertionError.class);
    }

    private static ArchRule rule(List<String> alsoPure) {
        return noClasses().that(IoFree.decisions(ROOT, alsoPure)).should().dependOnClassesThat(IoFree.IO)
                .allowEmptyShould(true);
    }

    private static JavaClasses classes(Class<?> type) {
        return new ClassFileImporter().importClasses(type);
    }
}
