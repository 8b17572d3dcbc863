package io.rgrid.platform.outbox;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which rows of a pass are marked published: the acknowledged ones whose key had no failure
 * before them. A row is written "a." (key a, acknowledged), "ax" (key a, broker down) or "at"
 * (key a, no acknowledgement in time).
 */
class PublishedRowsTest {

    private static final Throwable DOWN = new IllegalStateException("broker down");
    private static final Throwable LATE = new IllegalStateException("no ack in time");

    /** rows, indexes to mark, the failure reported, rows acknowledged after their key failed (overtaken). */
    static Stream<Object[]> cases() {
        return Stream.of(
                new Object[] {"", List.of(), null, 0},
                new Object[] {"a.", List.of(0), null, 0},
                new Object[] {"a. b. a. b.", List.of(0, 1, 2, 3), null, 0},
                new Object[] {"ax", List.of(), DOWN, 0},
                new Object[] {"ax a. a.", List.of(), DOWN, 2},
                new Object[] {"a. ax a.", List.of(0), DOWN, 1},
                // another key's failure holds nobody else back
                new Object[] {"a. bx a. b. c.", List.of(0, 2, 4), DOWN, 1},
                new Object[] {"bx a. a. a.", List.of(1, 2, 3), DOWN, 0},
                // the first failure is the one reported
                new Object[] {"a. bt c. ax b.", List.of(0, 2), LATE, 1},
                new Object[] {"ax bx a. b.", List.of(), DOWN, 2});
    }

    @ParameterizedTest(name = "[{0}] -> {1}, {3} overtaken")
    @MethodSource("cases")
    void marksAcknowledgedRowsOfKeysWithoutAnEarlierFailure(String rows, List<Integer> published, Throwable failure,
                                                             int overtaken) {
        List<String> keys = new ArrayList<>();
        List<Throwable> outcomes = new ArrayList<>();
        for (String row : rows.isBlank() ? new String[0] : rows.split(" ")) {
            keys.add(row.substring(0, 1));
            char answer = row.charAt(1);
            outcomes.add(answer == '.' ? null : answer == 'x' ? DOWN : LATE);
        }
        PublishedRows decision = PublishedRows.of(keys, outcomes);
        assertThat(decision.published()).containsExactlyElementsOf(published);
        assertThat(decision.failure()).isSameAs(failure);
        assertThat(decision.failed()).isEqualTo(failure != null);
        assertThat(decision.overtaken()).isEqualTo(overtaken);
    }
}
