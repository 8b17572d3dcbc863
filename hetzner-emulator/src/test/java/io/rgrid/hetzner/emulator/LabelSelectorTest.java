package io.rgrid.hetzner.emulator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelSelectorTest {

    private static final Map<String, String> PROD_WEB = Map.of("env", "production", "type", "web", "example.com/team", "a");
    private static final Map<String, String> PROD_DB = Map.of("env", "production", "type", "database");
    private static final Map<String, String> STAGING = Map.of("env", "staging", "just-a-key", "");
    private static final Map<String, String> NONE = Map.of();

    static Stream<Arguments> table() {
        return Stream.of(
                // selector, labels, expected
                Arguments.of("env=production", PROD_WEB, true),
                Arguments.of("env=production", STAGING, false),
                Arguments.of("env==production", PROD_DB, true),
                Arguments.of("env == production", PROD_DB, true),
                Arguments.of("env!=production", STAGING, true),
                Arguments.of("env!=production", PROD_WEB, false),
                Arguments.of("env!=production", NONE, true),
                Arguments.of("env", STAGING, true),
                Arguments.of("env", NONE, false),
                Arguments.of("!env", NONE, true),
                Arguments.of("!env", PROD_WEB, false),
                Arguments.of("just-a-key", STAGING, true),
                Arguments.of("just-a-key=", STAGING, true),
                Arguments.of("env in (testing,staging)", STAGING, true),
                Arguments.of("env in (testing,staging)", PROD_WEB, false),
                Arguments.of("env in (testing, staging)", STAGING, true),
                Arguments.of("env in (testing,staging)", NONE, false),
                Arguments.of("env notin (testing,staging)", PROD_WEB, true),
                Arguments.of("env notin (testing,staging)", STAGING, false),
                Arguments.of("env notin (testing,staging)", NONE, true),
                // The reference's examples.
                Arguments.of("env=production,type!=database", PROD_WEB, true),
                Arguments.of("env=production,type!=database", PROD_DB, false),
                Arguments.of("!type", STAGING, true),
                Arguments.of("!type", PROD_DB, false),
                Arguments.of("k1==v,!k2", Map.of("k1", "v"), true),
                Arguments.of("k1==v,!k2", Map.of("k1", "v", "k2", "x"), false),
                // Prefixed keys and AND of set expressions.
                Arguments.of("example.com/team=a", PROD_WEB, true),
                Arguments.of("env in (production),type notin (database)", PROD_WEB, true),
                Arguments.of("env in (production),type notin (database)", PROD_DB, false),
                Arguments.of("", PROD_DB, true));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' on {1} -> {2}")
    @MethodSource("table")
    void matches(String selector, Map<String, String> labels, boolean expected) {
        assertThat(LabelSelector.parse(selector).test(labels)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' is invalid")
    @ValueSource(strings = {"env=production,", ",env", "env=a=b", "=v", "!", "env in ()", "env in (a,b",
            "env in a,b)", "env notin (a,(b))", "bad key=v", "env=-bad-", "-env", "env==!x", "a b"})
    void rejectsInvalidSelectors(String selector) {
        assertThatThrownBy(() -> LabelSelector.parse(selector))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.details().path("fields").get(0).path("name").asText()).isEqualTo("label_selector");
                });
    }
}
