package io.rgrid.worker.assignment.rest;

import io.rgrid.model.Ids;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.AssignmentAccepted;
import io.rgrid.model.agent.AssignmentStatus;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.worker.assignment.service.AssignmentService;
import io.rgrid.worker.http.AgentProblemException;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;
import java.util.UUID;

/** The orchestrator hands attempts to this agent and cancels them here; see {@link AgentApi}. */
@Path(AgentApi.ASSIGNMENTS)
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class AssignmentResource {

    private final AssignmentService assignments;

    @Inject
    public AssignmentResource(AssignmentService assignments) {
        this.assignments = assignments;
    }

    /** 202 with {@link AssignmentAccepted} once the agent holds the attempt; repeated requests get the same answer. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response assign(Assignment assignment) {
        if (assignment == null) {
            throw new AgentProblemException(ErrorCode.MALFORMED_REQUEST, "the request has no assignment body");
        }
        return Response.accepted(assignments.accept(assignment)).build();
    }

    /**
     * 200 with {@link io.rgrid.model.agent.AssignmentStatus} of the attempt ({@code ?attempt=N}, default the
     * newest this agent knows); 404 when it knows none. The Ray task polls this to wait for the end.
     */
    @GET
    @Path("{executionId}")
    public AssignmentStatus status(@PathParam("executionId") String executionId,
                                                        @QueryParam("attempt") String attemptParam) {
        UUID id = executionId(executionId);
        Integer asked = attempt(attemptParam);
        return assignments.status(id, asked).orElseThrow(() -> new AgentProblemException(ErrorCode.NOT_FOUND,
                "this worker knows no attempt" + (asked == null ? "" : " " + asked) + " of execution " + id));
    }

    /**
     * 200 with {@link AgentApi.FenceResult}: whether the agent holds the attempt; when it does not,
     * it refuses that attempt from now on (see {@link AgentApi}).
     */
    @POST
    @Path("{executionId}/fence")
    public AgentApi.FenceResult fence(@PathParam("executionId") String executionId,
                                      @QueryParam("attempt") String attemptParam,
                                      @QueryParam("stop") boolean stop) {
        UUID id = executionId(executionId);
        Integer attempt = attempt(attemptParam);
        if (attempt == null) {
            throw new AgentProblemException(ErrorCode.MALFORMED_REQUEST,
                    "attempt is required: a whole number of 1 or more");
        }
        return new AgentApi.FenceResult(id, attempt, assignments.fence(id, attempt, stop));
    }

    /** 202 when the agent holds (or just finished) an attempt of the execution; it ends CANCELLED. */
    @POST
    @Path("{executionId}/cancel")
    public Response cancel(@PathParam("executionId") String executionId) {
        UUID id = executionId(executionId);
        if (!assignments.cancel(id)) {
            throw new AgentProblemException(ErrorCode.NOT_FOUND, "this worker holds no attempt of execution " + id);
        }
        return Response.accepted(Map.of("executionId", id, "cancelled", true)).build();
    }

    private static UUID executionId(String value) {
        UUID id = Ids.parseExecutionId(value);
        if (id == null) {
            throw new AgentProblemException(ErrorCode.MALFORMED_REQUEST, "'" + value + "' is not an execution id");
        }
        return id;
    }

    /** The {@code attempt} query parameter: null when absent, 400 when it is not a whole number of 1 or more. */
    private static Integer attempt(String value) {
        if (value == null) {
            return null;
        }
        int attempt;
        try {
            attempt = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            attempt = 0;
        }
        if (attempt < 1) {
            throw new AgentProblemException(ErrorCode.MALFORMED_REQUEST,
                    "attempt must be a whole number of 1 or more, not '" + value + "'");
        }
        return attempt;
    }
}
