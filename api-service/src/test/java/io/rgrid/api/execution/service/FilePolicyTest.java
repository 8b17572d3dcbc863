package io.rgrid.api.execution.service;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.service.FilePolicy.FilePart;
import io.rgrid.api.support.TestConfigs;
import io.rgrid.model.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FilePolicyTest {

    /** Small limits, so the table reads: script 100 B, 3 inputs of at most 50 B and 120 B together, requirements 10 B. */
    private static final RgridConfig.Limits LIMITS = TestConfigs.with(Map.of(
            "rgrid.api.limits.max-script-bytes", "100",
            "rgrid.api.limits.max-inputs", "3",
            "rgrid.api.limits.max-input-bytes", "50",
            "rgrid.api.limits.max-total-input-bytes", "120",
            "rgrid.api.limits.max-requirements-bytes", "10")).api().limits();

    /**
     * script (name:size, '-' for none), inputs (name:size separated by spaces), requirements size
     * ('-' for none) → OK or the error code.
     */
    @ParameterizedTest(name = "script {0}, inputs [{1}], requirements {2} → {3}")
    @CsvSource(nullValues = "-", value = {
            "main.py:100, '',                         -,  OK",
            "main.py:100, a.csv:50 b.csv:50 c.csv:20, 10, OK",
            "-,           '',                         -,  MISSING_PART",
            "main.py:101, '',                         -,  PAYLOAD_TOO_LARGE",
            "main.py:1,   a:1 b:1 c:1 d:1,            -,  PAYLOAD_TOO_LARGE",
            "main.py:1,   a.csv:51,                   -,  PAYLOAD_TOO_LARGE",
            "main.py:1,   a:50 b:50 c:21,             -,  PAYLOAD_TOO_LARGE",
            "main.py:1,   '',                         11, PAYLOAD_TOO_LARGE",
            "../x.py:1,   '',                         -,  INVALID_FILE_NAME",
            "main.py:1,   a/b:1,                      -,  INVALID_FILE_NAME",
            "main.py:1,   a.csv:1 a.csv:1,            -,  INVALID_FILE_NAME",
            // A size over a limit wins over a bad name: sizes are refused at once, names collected.
            "../x.py:101, '',                         -,  PAYLOAD_TOO_LARGE",
            "main.py:1,   a/b:1 c:51,                 -,  PAYLOAD_TOO_LARGE",
    })
    void decides(String script, String inputs, Long requirements, String expected) {
        List<FilePart> parts = new ArrayList<>();
        for (String input : inputs.isBlank() ? new String[0] : inputs.split(" ")) {
            parts.add(part(input));
        }
        FilePart requirementsPart = requirements == null ? null : new FilePart("requirements.txt", requirements);
        ApiException refused = catchThrowableOfType(ApiException.class,
                () -> FilePolicy.check(LIMITS, script == null ? null : part(script), parts, requirementsPart));
        assertThat(refused == null ? "OK" : refused.code().name()).isEqualTo(expected);
    }

    @Test
    void everyBadNameIsReportedAtOnce() {
        ApiException refused = catchThrowableOfType(ApiException.class, () -> FilePolicy.check(LIMITS,
                part("../x.py:1"), List.of(part("a/b:1"), part("c.csv:1"), part("c.csv:1")), null));
        assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_FILE_NAME);
        assertThat(refused.errors()).extracting(e -> e.field()).containsExactly("script", "inputs", "inputs");
    }

    @Test
    void theTotalNamesBothSizes() {
        ApiException refused = catchThrowableOfType(ApiException.class, () -> FilePolicy.check(LIMITS,
                part("main.py:1"), List.of(part("a:50"), part("b:50"), part("c:50")), null));
        assertThat(refused.getMessage()).isEqualTo("the inputs are 150 bytes together; the limit is 120");
    }

    private static FilePart part(String nameAndSize) {
        int colon = nameAndSize.lastIndexOf(':');
        return new FilePart(nameAndSize.substring(0, colon), Long.parseLong(nameAndSize.substring(colon + 1)));
    }
}
