package io.rgrid.api.auth;

import io.rgrid.api.support.TestConfigs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin key and the hash secret must be set and at least 32 characters; the messages say how. */
class SecretKeyCheckTest {

    /** Each row: the admin key and the hash secret (empty for unset), and what the message must contain ('' for none). */
    @ParameterizedTest(name = "key [{0}], secret [{1}] -> {2}")
    @CsvSource(delimiter = ';', value = {
            "0123456789abcdef0123456789abcdef; 0123456789abcdef0123456789abcdef; ''",
            "; 0123456789abcdef0123456789abcdef; rgrid.api.secret-key is not set: set the environment variable API_SECRET_KEY",
            "0123456789abcdef0123456789abcdef; ; rgrid.api.hash-secret is not set: set the environment variable API_HASH_SECRET",
            "$(openssl rand -hex 32); 0123456789abcdef0123456789abcdef; rgrid.api.secret-key is the unexpanded text of a $(...) command: an env file does not run $(openssl rand -hex 32), its 23 characters were read as the key itself",
            "0123456789abcdef0123456789abcde; 0123456789abcdef0123456789abcdef; rgrid.api.secret-key is 31 characters, shorter than 32 (an unexpanded $(openssl rand -hex 32) from an env file is 23)",
            "test-admin-key-0123456789; 0123456789abcdef0123456789abcdef; rgrid.api.secret-key is 25 characters",
            "0123456789abcdef0123456789abcdef; short; rgrid.api.hash-secret is 5 characters, shorter than 32",
    })
    void secrets(String key, String secret, String expected) {
        Map<String, String> values = new HashMap<>();
        if (key != null) {
            values.put("rgrid.api.secret-key", key);
        }
        if (secret != null) {
            values.put("rgrid.api.hash-secret", secret);
        }
        var problems = SecretKeyCheck.problems(TestConfigs.with(values));
        if (expected.isEmpty()) {
            assertThat(problems).isEmpty();
        } else {
            assertThat(problems).singleElement().asString().contains(expected).contains("openssl rand -hex 32");
        }
    }
}
