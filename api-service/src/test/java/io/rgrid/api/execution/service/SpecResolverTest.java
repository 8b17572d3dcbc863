package io.rgrid.api.execution.service;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.support.TestConfigs;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.model.api.SubmitSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SpecResolverTest {

    private final RgridConfig config = TestConfigs.defaults();
    private final SpecResolver resolver = new SpecResolver(config.api().defaults(), config.api().limits());

    @Test
    void emptySpecGetsEveryDefault() {
        ExecutionSpec spec = resolver.resolve(SubmitSpec.empty());
        assertThat(spec.image()).isEqualTo("python:3.11-slim");
        assertThat(spec.cpus()).isEqualTo(1.0);
        assertThat(spec.memoryMb()).isEqualTo(512);
        assertThat(spec.timeoutSeconds()).isEqualTo(3600);
        assertThat(spec.network()).isEqualTo(NetworkMode.BRIDGE);
        assertThat(spec.maxAttempts()).isEqualTo(3);
        assertThat(spec.args()).isEmpty();
    }

    /** Production pulls a public image; the local grid and the tests configure the locally built one. */
    @ParameterizedTest(name = "defaults.image={0}, spec image={1} -> {2}")
    @CsvSource(nullValues = "-", value = {
            "-,                        -,            python:3.11-slim",
            "rgrid/python:3.11-local,  -,            rgrid/python:3.11-local",
            "10.0.0.2:5000/py:3.11,    -,            10.0.0.2:5000/py:3.11",
            "rgrid/python:3.11-local,  my/image:1,   my/image:1"})
    void theImageComesFromTheSpecElseTheConfiguredDefault(String configured, String specImage, String expected) {
        RgridConfig withImage = configured == null ? TestConfigs.defaults()
                : TestConfigs.with(Map.of("rgrid.api.defaults.image", configured));
        SpecResolver byConfig = new SpecResolver(withImage.api().defaults(), withImage.api().limits());
        SubmitSpec spec = new SubmitSpec(specImage, null, null, null, null, null, null, null, null, null);

        assertThat(byConfig.resolve(spec).image()).isEqualTo(expected);
    }

    @Test
    void givenFieldsWin() {
        ExecutionSpec spec = resolver.resolve(new SubmitSpec("my/image:1", List.of("--n", "3"), Map.of("A_B", "1"), 2.5, "2g",
                60, "none", 1, Map.of("team", "data")));
        assertThat(spec).isEqualTo(new ExecutionSpec("my/image:1", List.of("--n", "3"), Map.of("A_B", "1"), 2.5, 2048, 60,
                NetworkMode.NONE, 1, Map.of("team", "data")));
    }

    @ParameterizedTest(name = "{0}={1} is rejected")
    @CsvSource({
            "cpus, 0.05",
            "cpus, 65",
            "memory, 15m",
            "memory, 300g",
            "memory, lots",
            "timeoutSeconds, 0",
            "timeoutSeconds, 86401",
            "maxAttempts, 0",
            "maxAttempts, 11",
            "network, host",
            "image, 'a b'",
            "env, 1BAD",
            "labels, -x",
    })
    void outOfRangeFieldsAreNamed(String field, String value) {
        SubmitSpec spec = switch (field) {
            case "cpus" -> new SubmitSpec(null, null, null, Double.parseDouble(value), null, null, null, null, null);
            case "memory" -> new SubmitSpec(null, null, null, null, value, null, null, null, null);
            case "timeoutSeconds" -> new SubmitSpec(null, null, null, null, null, Integer.parseInt(value), null, null, null);
            case "maxAttempts" -> new SubmitSpec(null, null, null, null, null, null, null, Integer.parseInt(value), null);
            case "network" -> new SubmitSpec(null, null, null, null, null, null, value, null, null);
            case "image" -> new SubmitSpec(value, null, null, null, null, null, null, null, null);
            case "env" -> new SubmitSpec(null, null, Map.of(value, "v"), null, null, null, null, null, null);
            case "labels" -> new SubmitSpec(null, null, null, null, null, null, null, null, Map.of(value, "v"));
            default -> throw new IllegalArgumentException(field);
        };
        ApiException e = catchThrowableOfType(ApiException.class, () -> resolver.resolve(spec));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
        assertThat(e.errors()).extracting(Problem.FieldError::field).singleElement().asString().startsWith(field);
    }

    @Test
    void boundsAreInclusive() {
        ExecutionSpec low = resolver.resolve(new SubmitSpec(null, null, null, 0.1, "16m", 1, null, 1, null));
        ExecutionSpec high = resolver.resolve(new SubmitSpec(null, null, null, 64.0, "262144m", 86400, null, 10, null));
        assertThat(low.memoryMb()).isEqualTo(16);
        assertThat(high.memoryMb()).isEqualTo(262144);
    }

    @Test
    void everyInvalidFieldIsReportedAtOnce() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> resolver.resolve(
                new SubmitSpec(null, null, null, 100.0, "1k", null, "wifi", null, null)));
        assertThat(e.errors()).extracting(Problem.FieldError::field).containsExactly("cpus", "memory", "network");
    }
}
