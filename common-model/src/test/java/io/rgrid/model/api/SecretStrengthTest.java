package io.rgrid.model.api;

import io.rgrid.model.api.SecretStrength.Weakness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SecretStrengthTest {

    @ParameterizedTest(name = "[{index}] ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // value                                                              | weakness (NONE: usable)
            "NULL                                                                 | MISSING",
            "''                                                                   | MISSING",
            "'   '                                                                | MISSING",
            "'$(openssl rand -hex 32)'                                            | UNEXPANDED",
            "'  $(openssl rand -hex 32)'                                          | UNEXPANDED",
            // long enough, but still a command nobody ran
            "'prefix-$(openssl rand -hex 32)-and-more-text-to-be-long'            | UNEXPANDED",
            "'0123456789abcdef0123456789abcde'                                    | SHORT",
            "'0123456789abcdef0123456789abcdef'                                   | NONE",
            "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'   | NONE",
    })
    void judgesEverySecretByOneRule(String value, String expected) {
        Optional<Weakness> weakness = SecretStrength.judge(value);
        if (expected.equals("NONE")) {
            assertThat(weakness).isEmpty();
        } else {
            assertThat(weakness).contains(Weakness.valueOf(expected));
        }
    }
}
