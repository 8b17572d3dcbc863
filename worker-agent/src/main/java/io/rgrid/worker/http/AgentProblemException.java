package io.rgrid.worker.http;

import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;

import java.util.List;

/** A request the agent refuses, with the problem+json body that says why. */
public class AgentProblemException extends RuntimeException {

    private final transient Problem problem;

    public AgentProblemException(ErrorCode code, String detail) {
        this(Problem.of(code, detail));
    }

    public AgentProblemException(ErrorCode code, String detail, List<Problem.FieldError> errors) {
        this(Problem.of(code, detail, errors));
    }

    private AgentProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
