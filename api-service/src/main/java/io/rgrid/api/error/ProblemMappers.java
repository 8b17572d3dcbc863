package io.rgrid.api.error;

import io.rgrid.api.storage.StorageException;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.platform.db.DatabaseException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Turns every exception that reaches the REST layer into application/problem+json. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response apiException(ApiException e, UriInfo uri) {
        if (e.code().status() >= 500) {
            LOG.warnf(e.getCause(), "%s %s: %s", e.code(), uri.getPath(), e.getMessage());
        }
        Response problem = Problems.response(e.toProblem().withInstance(uri.getPath()));
        return e.retryAfterSeconds() > 0
                ? Response.fromResponse(problem).header("Retry-After", e.retryAfterSeconds()).build()
                : problem;
    }

    @ServerExceptionMapper
    public Response database(DatabaseException e, UriInfo uri) {
        if (e.isUnavailable()) {
            LOG.warnf("database unavailable on %s: %s", uri.getPath(), e.getMessage());
            return Problems.response(Problem.of(ErrorCode.DEPENDENCY_UNAVAILABLE,
                    "the database is unavailable; nothing was changed, try again").withInstance(uri.getPath()));
        }
        return internal(e, uri);
    }

    @ServerExceptionMapper
    public Response storage(StorageException e, UriInfo uri) {
        LOG.warnf("object store unavailable on %s: %s", uri.getPath(), e.getMessage());
        return Problems.response(Problem.of(ErrorCode.DEPENDENCY_UNAVAILABLE,
                "the object store is unavailable; try again").withInstance(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        return Problems.response(Problem.of(ErrorCode.NOT_FOUND, "no resource at " + uri.getPath()).withInstance(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri) {
        Response problem = Problems.response(Problem.of(ErrorCode.METHOD_NOT_ALLOWED,
                "method not allowed on " + uri.getPath()).withInstance(uri.getPath()));
        String allow = e.getResponse().getHeaderString("Allow");
        return allow == null ? problem : Response.fromResponse(problem).header("Allow", allow).build();
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e, UriInfo uri) {
        return Problems.response(Problem.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "this endpoint does not accept that Content-Type").withInstance(uri.getPath()));
    }

    /** The remaining JAX-RS errors (406, 400 from parameter parsing, …) keep their status. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return internal(e, uri);
        }
        ErrorCode code = switch (status) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 409 -> ErrorCode.CONFLICT;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ErrorCode.MALFORMED_REQUEST;
        };
        Problem problem = new Problem(code.type(), code.title(), status,
                Response.Status.fromStatusCode(status) == null ? null : Response.Status.fromStatusCode(status).getReasonPhrase(),
                code.name(), uri.getPath(), List.of());
        return Problems.response(problem);
    }

    /**
     * Last resort: log the cause for the operator, tell the client nothing about it. Except when
     * the form parser could not read the body (it throws whatever it throws): that is the client's
     * 400, and nothing was stored since the resource method never ran.
     */
    @ServerExceptionMapper(priority = Priorities.USER + 1000)
    public Response internal(Throwable e, UriInfo uri) {
        if (MultipartBodies.unreadable(e)) {
            LOG.debugf("unreadable multipart body on %s: %s", uri.getPath(), e);
            return Problems.response(Problem.of(ErrorCode.MALFORMED_REQUEST, MultipartBodies.UNREADABLE)
                    .withInstance(uri.getPath()));
        }
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        return Problems.response(Problem.of(ErrorCode.INTERNAL, "internal error; the server log has the details")
                .withInstance(uri.getPath()));
    }
}
