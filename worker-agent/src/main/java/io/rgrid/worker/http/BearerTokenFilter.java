package io.rgrid.worker.http;

import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.rgrid.worker.config.AgentIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Every agent endpoint requires {@code Authorization: Bearer <rgrid.worker.token>}. */
public class BearerTokenFilter {

    private final AgentIdentity identity;

    @Inject
    public BearerTokenFilter(AgentIdentity identity) {
        this.identity = identity;
    }

    @ServerRequestFilter(preMatching = true)
    public Response authenticate(ContainerRequestContext request) {
        String token = Auth.bearerToken(request.getHeaderString(Auth.HEADER));
        if (Auth.constantTimeEquals(token, identity.token())) {
            return null;
        }
        String detail = token == null
                ? "send the worker token as 'Authorization: Bearer <token>'"
                : "the worker token is not valid for this agent";
        return Response.status(401)
                .type(Problem.MEDIA_TYPE)
                .header(HttpHeaders.WWW_AUTHENTICATE, Auth.SCHEME)
                .entity(Problem.of(ErrorCode.UNAUTHENTICATED, detail).withInstance(request.getUriInfo().getPath()))
                .build();
    }
}
