package io.rgrid.model.agent;

import io.rgrid.model.api.Problem;
import io.rgrid.model.storage.StorageKeys;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a worker may do in the object store for one run of one attempt, and nothing more: it holds
 * no store key (docs/architecture.md, "Storage layout"; docs/decisions.md, "Workers' storage
 * access"). The control plane signs it when it sends the assignment; all of it ends at
 * {@code expiresAt}.
 *
 * @param run             the run this access is for: the agent stores under
 *                        {@code StorageKeys.runPrefix(id, attempt, run)} and names it in its reports
 * @param scriptUrl       a presigned GET of the script
 * @param inputUrls       input file name → a presigned GET of it (the same names as the assignment's inputs)
 * @param requirementsUrl a presigned GET of requirements.txt, or null when there is none
 * @param uploadUrl       where the log and the outputs are POSTed (the bucket's URL)
 * @param uploadFields    the form fields of the presigned POST policy (policy, signature…), sent
 *                        with every upload; the policy admits keys below the run's prefix only
 * @param expiresAt       when the URLs and the policy stop working
 */
public record StorageAccess(
        String run,
        String scriptUrl,
        Map<String, String> inputUrls,
        String requirementsUrl,
        String uploadUrl,
        Map<String, String> uploadFields,
        Instant expiresAt) {

    public StorageAccess {
        inputUrls = inputUrls == null ? Map.of() : Map.copyOf(inputUrls);
        uploadFields = uploadFields == null ? Map.of() : Map.copyOf(uploadFields);
    }

    /**
     * What is wrong with this access for {@code assignment}, by field; empty when a worker can run
     * the attempt with it.
     */
    public List<Problem.FieldError> problems(Assignment assignment) {
        List<Problem.FieldError> problems = new ArrayList<>();
        if (!StorageKeys.isRun(run)) {
            problems.add(new Problem.FieldError("storage.run", "must be 1 to 64 of [a-z0-9-]"));
        }
        if (blank(scriptUrl)) {
            problems.add(new Problem.FieldError("storage.scriptUrl", "required"));
        }
        if (!inputUrls.keySet().equals(assignment.inputKeys().keySet())) {
            problems.add(new Problem.FieldError("storage.inputUrls", "must name the assignment's inputs, no more"));
        }
        boolean hasRequirements = !blank(assignment.requirementsKey());
        if (hasRequirements == blank(requirementsUrl)) {
            problems.add(new Problem.FieldError("storage.requirementsUrl",
                    hasRequirements ? "required with requirementsKey" : "only with requirementsKey"));
        }
        if (blank(uploadUrl)) {
            problems.add(new Problem.FieldError("storage.uploadUrl", "required"));
        }
        if (uploadFields.isEmpty()) {
            problems.add(new Problem.FieldError("storage.uploadFields", "required: the upload policy's form fields"));
        }
        if (expiresAt == null) {
            problems.add(new Problem.FieldError("storage.expiresAt", "required"));
        }
        return problems;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
