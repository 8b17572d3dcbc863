package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RayAuthTest {

    private static final Path HOME = Path.of("/home/orch");

    /**
     * mode, RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH, files that hold a token (';'), files that are
     * empty (';'), expected problem (a fragment; empty: none).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-        | -   | -          | -                          | -          | -",
            "disabled | -   | -          | -                          | -          | -",
            "token    | abc | -          | -                          | -          | -",
            "token    | abc | /etc/t      | -                          | -          | -",
            "token    | -   | /etc/t     | /etc/t                     | -          | -",
            "token    | -   | /etc/t     | -                          | -          | RAY_AUTH_TOKEN_PATH=/etc/t is missing",
            "token    | -   | /etc/t     | -                          | /etc/t     | RAY_AUTH_TOKEN_PATH=/etc/t is missing",
            "token    | -   | /etc/t     | /home/orch/.ray/auth_token | -          | RAY_AUTH_TOKEN_PATH=/etc/t is missing",
            "token    | -   | -          | /home/orch/.ray/auth_token | -          | -",
            "token    | ' ' | -          | -                          | -          | there is no token",
            "token    | -   | -          | -                          | /home/orch/.ray/auth_token | there is no token",
            "token    | -   | -          | -                          | -          | /home/orch/.ray/auth_token"})
    void aDriverWithoutAReadableTokenIsNamedBeforeRayInit(String mode, String token, String tokenPath, String full,
                                                          String empty, String expected) {
        Map<String, String> env = new HashMap<>();
        put(env, RayAuth.MODE, mode);
        put(env, RayAuth.TOKEN, token);
        put(env, RayAuth.TOKEN_PATH, tokenPath);
        Map<Path, String> files = new HashMap<>();
        paths(full).forEach(p -> files.put(p, "0123abcd\n"));
        paths(empty).forEach(p -> files.put(p, ""));

        Optional<String> problem = RayAuth.problem(env, HOME, p -> Optional.ofNullable(files.get(p)));

        if (expected == null) {
            assertThat(problem).isEmpty();
        } else {
            assertThat(problem).hasValueSatisfying(p -> assertThat(p).contains(expected).startsWith("RAY_AUTH_MODE=token"));
        }
    }

    /** mode, RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH, file with a token (or '-'), the nodes' RAY_AUTH_TOKEN ('-': no Ray auth env). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-        | abc | -       | -                          | -",
            "disabled | abc | -       | -                          | -",
            "token    | abc | /etc/t  | /etc/t                     | abc",
            "token    | -   | /etc/t  | /etc/t                     | 0123abcd",
            "token    | -   | -       | /home/orch/.ray/auth_token | 0123abcd",
            "token    | -   | /etc/t  | /home/orch/.ray/auth_token | -",
            "token    | -   | -       | -                          | -"})
    void workerNodesGetTheModeAndTheTokenValueTheDriverUses(String mode, String token, String tokenPath, String file,
                                                           String expected) {
        Map<String, String> env = new HashMap<>();
        put(env, RayAuth.MODE, mode);
        put(env, RayAuth.TOKEN, token);
        put(env, RayAuth.TOKEN_PATH, tokenPath);

        Map<String, String> nodeEnv = RayAuth.nodeEnv(env, HOME,
                p -> p.toString().equals(file) ? Optional.of("0123abcd\n") : Optional.empty());

        assertThat(nodeEnv).isEqualTo(expected == null ? Map.of() : Map.of("RAY_AUTH_MODE", "token", "RAY_AUTH_TOKEN", expected));
    }

    private static void put(Map<String, String> env, String key, String value) {
        if (value != null) {
            env.put(key, value);
        }
    }

    private static List<Path> paths(String list) {
        return list == null ? List.of() : Arrays.stream(list.split(";")).map(Path::of).toList();
    }
}
