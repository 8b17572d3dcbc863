package io.rgrid.api.execution.service;

import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.model.api.SubmitSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SpecParsingTest {

    @Test
    void absentOrBlankSpecIsEmpty() {
        assertThat(SpecParser.parse(null)).isEqualTo(SubmitSpec.empty());
        assertThat(SpecParser.parse("  ")).isEqualTo(SubmitSpec.empty());
        assertThat(SpecParser.parse("null")).isEqualTo(SubmitSpec.empty());
    }

    @Test
    void brokenJsonIsMalformed() {
        assertThat(code("{\"cpus\": ")).isEqualTo(ErrorCode.MALFORMED_REQUEST);
        assertThat(code("[1, 2]")).isEqualTo(ErrorCode.MALFORMED_REQUEST);
        assertThat(code("{} {}")).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    }

    @Test
    void wrongTypeNamesTheField() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> SpecParser.parse("{\"cpus\": \"many\"}"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
        assertThat(e.errors()).extracting(Problem.FieldError::field).containsExactly("cpus");

        e = catchThrowableOfType(ApiException.class, () -> SpecParser.parse("{\"timeoutSeconds\": 1.5}"));
        assertThat(e.errors()).extracting(Problem.FieldError::field).containsExactly("timeoutSeconds");

        e = catchThrowableOfType(ApiException.class, () -> SpecParser.parse("{\"args\": \"not-a-list\"}"));
        assertThat(e.errors()).extracting(Problem.FieldError::field).containsExactly("args");
    }

    @Test
    void unknownFieldIsNamed() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> SpecParser.parse("{\"memroy\": \"1g\"}"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
        assertThat(e.errors()).extracting(Problem.FieldError::field).containsExactly("memroy");
    }

    @Test
    void validSpecParses() {
        SubmitSpec spec = SpecParser.parse("{\"memory\": \"1g\", \"cpus\": 2, \"args\": [\"a\"]}");
        assertThat(spec.memory()).isEqualTo("1g");
        assertThat(spec.cpus()).isEqualTo(2.0);
    }

    private static ErrorCode code(String json) {
        return catchThrowableOfType(ApiException.class, () -> SpecParser.parse(json)).code();
    }
}
