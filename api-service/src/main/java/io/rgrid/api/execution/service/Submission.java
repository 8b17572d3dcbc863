package io.rgrid.api.execution.service;

import java.util.List;

/**
 * A submission as it arrived, before any check.
 *
 * @param specJson     the spec part's text, or null when absent
 * @param script       the script part, or null when absent
 * @param inputs       input file parts in the order sent
 * @param requirements the requirements part, or null
 */
public record Submission(String specJson, UploadedFile script, List<UploadedFile> inputs, UploadedFile requirements) {

    public Submission {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }
}
