package io.rgrid.worker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure of the agent API into problem+json with a stable code; nothing leaves as
 * a bare 500 with a stack trace.
 */
public class ProblemResponses {

    private static final Logger LOG = Logger.getLogger(ProblemResponses.class);

    public static Response of(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    @ServerExceptionMapper
    public Response agentProblem(AgentProblemException e, UriInfo uri) {
        return of(e.problem().withInstance(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e, UriInfo uri) {
        String detail = e.getOriginalMessage();
        return of(Problem.of(ErrorCode.MALFORMED_REQUEST, "request body is not valid JSON for this endpoint: " + detail)
                .withInstance(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadableBody(json, uri);
        }
        ErrorCode code = switch (status) {
            case 400 -> ErrorCode.MALFORMED_REQUEST;
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 409 -> ErrorCode.CONFLICT;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.MALFORMED_REQUEST;
        };
        if (status >= 500) {
            LOG.error("Request to " + uri.getPath() + " failed", e);
        }
        Problem problem = Problem.of(code, status >= 500 ? "the agent failed to handle the request" : e.getMessage());
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new Problem(problem.type(), problem.title(), status, problem.detail(), problem.code(),
                        uri.getPath(), problem.errors()))
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.error("Request to " + uri.getPath() + " failed", e);
        return of(Problem.of(ErrorCode.INTERNAL, "the agent failed to handle the request; see its log")
                .withInstance(uri.getPath()));
    }
}
