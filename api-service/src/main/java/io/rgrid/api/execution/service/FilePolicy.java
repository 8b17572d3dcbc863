package io.rgrid.api.execution.service;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem.FieldError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a submission's files may be stored (pure; the caller reads the sizes): a script is
 * there, every name is a plain file name ({@link FileNames}), no two inputs share one, and the
 * count and sizes stay within {@code rgrid.api.limits}. A size over a limit is
 * {@code PAYLOAD_TOO_LARGE} at once; bad names are collected and reported together as
 * {@code INVALID_FILE_NAME}.
 */
final class FilePolicy {

    /** A file part as the policy sees it: the name the client gave (unchecked, may be null) and its size. */
    record FilePart(String fileName, long size) {
    }

    private FilePolicy() {
    }

    /**
     * @param script       the script part, or null when the submission has none
     * @param inputs       the input parts in the order sent
     * @param requirements the requirements part, or null
     */
    static void check(RgridConfig.Limits limits, FilePart script, List<FilePart> inputs, FilePart requirements) {
        if (script == null) {
            throw new ApiException(ErrorCode.MISSING_PART, "the 'script' file part is required");
        }
        List<FieldError> errors = new ArrayList<>();
        checkName("script", script, errors);
        checkSize("script", script, limits.maxScriptBytes());
        if (inputs.size() > limits.maxInputs()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "at most " + limits.maxInputs() + " input files per execution");
        }
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (FilePart input : inputs) {
            checkName("inputs", input, errors);
            if (input.fileName() != null && !seen.add(input.fileName())) {
                errors.add(new FieldError("inputs", "two inputs are named '" + FileNames.printable(input.fileName()) + "'"));
            }
            checkSize("input '" + FileNames.printable(String.valueOf(input.fileName())) + "'", input, limits.maxInputBytes());
            total += input.size();
        }
        if (total > limits.maxTotalInputBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the inputs are " + total + " bytes together; the limit is "
                    + limits.maxTotalInputBytes());
        }
        if (requirements != null) {
            checkSize("requirements", requirements, limits.maxRequirementsBytes());
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_FILE_NAME,
                    errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")), errors);
        }
    }

    private static void checkName(String part, FilePart file, List<FieldError> errors) {
        String problem = FileNames.problem(file.fileName());
        if (problem != null) {
            errors.add(new FieldError(part, problem));
        }
    }

    private static void checkSize(String what, FilePart file, long max) {
        if (file.size() > max) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the " + what + " file is " + file.size()
                    + " bytes; the limit is " + max);
        }
    }
}
