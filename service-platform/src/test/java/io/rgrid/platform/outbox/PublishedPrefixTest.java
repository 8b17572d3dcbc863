package io.rgrid.platform.outbox;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Which rows of a pass are marked published: the acknowledged ones before the first failure. */
class PublishedPrefixTest {

    private static final Throwable DOWN = new IllegalStateException("broker down");
    private static final Throwable LATE = new IllegalStateException("no ack in time");

    /** outcomes ('.' acknowledged, 'x' DOWN, 't' LATE), rows to mark, the failure reported. */
    static Stream<Object[]> cases() {
        return Stream.of(
                new Object[] {"", 0, null},
                new Object[] {".", 1, null},
                new Object[] {".....", 5, null},
                new Object[] {"x", 0, DOWN},
                new Object[] {"x....", 0, DOWN},
                new Object[] {"..x..", 2, DOWN},
                new Object[] {"....x", 4, DOWN},
                new Object[] {".t.x.", 1, LATE},
                new Object[] {"xt", 0, DOWN});
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @MethodSource("cases")
    void marksOnlyTheAcknowledgedPrefix(String outcomes, int published, Throwable failure) {
        List<Throwable> list = new ArrayList<>();
        for (char c : outcomes.toCharArray()) {
            list.add(c == '.' ? null : c == 'x' ? DOWN : LATE);
        }
        PublishedPrefix prefix = PublishedPrefix.of(list);
        assertThat(prefix.published()).isEqualTo(published);
        assertThat(prefix.failure()).isSameAs(failure);
        assertThat(prefix.failed()).isEqualTo(failure != null);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void neverMarksARowAfterAFailure(String outcomes, int published, Throwable failure) {
        List<Character> marked = Arrays.asList(outcomes.chars().mapToObj(c -> (char) c).toArray(Character[]::new))
                .subList(0, published);
        assertThat(marked).doesNotContain('x', 't');
    }
}
