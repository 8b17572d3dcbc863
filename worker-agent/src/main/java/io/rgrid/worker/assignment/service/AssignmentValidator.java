package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.worker.http.AgentProblemException;
import io.rgrid.worker.kafka.ReportSigner;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Whether an assignment is complete and valid, before the agent admits it ({@link AssignmentService#accept}). */
final class AssignmentValidator {

    /** An input's file name: one path segment, no hidden-file tricks. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._ -]{0,254}");

    private AssignmentValidator() {
    }

    /**
     * Checks what an assignment must carry before the agent holds it.
     *
     * @param workerId this agent's worker id: the attempt key it signs its reports with must be there
     * @throws AgentProblemException 400 with the fields at fault, or the input name that is no plain file name
     */
    static void validate(Assignment a, String workerId) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (a.executionId() == null) {
            errors.add(new Problem.FieldError("executionId", "required"));
        }
        if (a.attempt() < 1) {
            errors.add(new Problem.FieldError("attempt", "must be 1 or more"));
        }
        if (a.scriptKey() == null || a.scriptKey().isBlank()) {
            errors.add(new Problem.FieldError("scriptKey", "required"));
        }
        ExecutionSpec spec = a.spec();
        if (spec == null) {
            errors.add(new Problem.FieldError("spec", "required"));
        } else {
            if (spec.image() == null || spec.image().isBlank()) {
                errors.add(new Problem.FieldError("spec.image", "required"));
            }
            if (!(spec.cpus() > 0)) {
                errors.add(new Problem.FieldError("spec.cpus", "must be positive"));
            }
            if (spec.memoryMb() < 8) {
                errors.add(new Problem.FieldError("spec.memoryMb", "must be at least 8 MiB"));
            }
            if (spec.timeoutSeconds() < 1) {
                errors.add(new Problem.FieldError("spec.timeoutSeconds", "must be at least 1"));
            }
        }
        // The agent holds no store key: without the run's presigned access it could fetch nothing.
        if (a.storage() == null) {
            errors.add(new Problem.FieldError("storage", "required: the run's presigned URLs and upload policy"));
        } else {
            errors.addAll(a.storage().problems(a));
        }
        // Its reports are signed with the attempt key; unsigned ones would be dead-lettered by the control plane.
        if (!ReportSigner.validKey(a.reportKeys().get(workerId))) {
            errors.add(new Problem.FieldError("reportKeys", "required: the attempt key (Base64) of worker "
                    + workerId + ", which its reports are signed with"));
        }
        if (!errors.isEmpty()) {
            throw new AgentProblemException(ErrorCode.INVALID_SPEC, "the assignment is incomplete or invalid", errors);
        }
        for (String name : a.inputKeys().keySet()) {
            if (name == null || !FILE_NAME.matcher(name).matches()) {
                throw new AgentProblemException(ErrorCode.INVALID_FILE_NAME, "input name '" + name
                        + "' is not a plain file name (letters, digits, '.', '_', '-', ' '; no path)");
            }
        }
    }
}
