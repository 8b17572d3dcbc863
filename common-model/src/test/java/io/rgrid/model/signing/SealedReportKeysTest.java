package io.rgrid.model.signing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An assignment that several workers may receive (Ray mode) carries each worker's attempt key
 * sealed with that worker's token: a worker opens its own, and no other's (docs/security.md).
 */
class SealedReportKeysTest {

    private static final byte[] K = RecordSignatures.secretKey("k".repeat(32));
    private static final UUID EXECUTION = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final Map<String, String> TOKENS = Map.of("w1", "token-of-w1", "w2", "token-of-w2");

    private static String key(String workerId, int attempt) {
        return RecordSignatures.encodeKey(RecordSignatures.attemptKey(K, EXECUTION, attempt, workerId));
    }

    private static Map<String, String> sealedForBoth(int attempt) {
        return Map.of("w1", SealedReportKeys.seal(key("w1", attempt), TOKENS.get("w1"), EXECUTION, attempt, "w1"),
                "w2", SealedReportKeys.seal(key("w2", attempt), TOKENS.get("w2"), EXECUTION, attempt, "w2"));
    }

    @ParameterizedTest(name = "{0} with token {1} opening {2}'s entry of attempt {3}: its key? {4}")
    @CsvSource({
            "w1, token-of-w1, w1, 1, true",
            "w2, token-of-w2, w2, 1, true",
            // Another worker's entry, with the holder's own token: not that worker's key.
            "w1, token-of-w1, w2, 1, false",
            "w2, token-of-w2, w1, 1, false",
            // A token guessed or from elsewhere.
            "w1, not-a-token, w1, 1, false",
    })
    void onlyTheTokensWorkerOpensItsKey(String holder, String token, String entry, int attempt, boolean opens) {
        String opened = SealedReportKeys.open(sealedForBoth(attempt), token, EXECUTION, attempt, entry);
        assertThat(opened).isNotNull();
        assertThat(opened.equals(key(entry, attempt))).as("%s opened %s's key", holder, entry).isEqualTo(opens);
    }

    @Test
    void theSealedFormHoldsNoKeyAndDiffersPerAttempt() {
        Map<String, String> first = sealedForBoth(1);
        assertThat(first.values()).allMatch(v -> v.startsWith(SealedReportKeys.PREFIX))
                .doesNotContain(key("w1", 1), key("w2", 1));
        assertThat(first.get("w1")).isNotEqualTo(sealedForBoth(2).get("w1"));
    }

    @Test
    void ownKeepsOnlyTheWorkersOpenedKey() {
        assertThat(SealedReportKeys.own(sealedForBoth(3), "token-of-w2", EXECUTION, 3, "w2"))
                .containsExactly(Map.entry("w2", key("w2", 3)));
        assertThat(SealedReportKeys.own(sealedForBoth(3), "token-of-w2", EXECUTION, 3, "w9")).isEmpty();
    }

    @Test
    void anUnsealedKeyOpensAsItselfAndAMalformedOneAsNothing() {
        assertThat(SealedReportKeys.open(Map.of("w1", key("w1", 1)), "any", EXECUTION, 1, "w1")).isEqualTo(key("w1", 1));
        assertThat(SealedReportKeys.open(Map.of("w1", SealedReportKeys.PREFIX + "AAAA"), "t", EXECUTION, 1, "w1")).isNull();
        assertThat(SealedReportKeys.open(Map.of("w1", SealedReportKeys.PREFIX + "%%"), "t", EXECUTION, 1, "w1")).isNull();
    }
}
