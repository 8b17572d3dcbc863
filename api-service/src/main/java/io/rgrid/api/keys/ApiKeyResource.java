package io.rgrid.api.keys;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@code /api/v1/keys}: the admin creates, lists and revokes project keys. */
@Path(ApiPaths.BASE + "/keys")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    /** The body of POST /keys. */
    public record CreateKeyRequest(String project, String name) {
    }

    /** A key as listed: never its secret. */
    public record KeyView(UUID id, String project, String name, Instant createdAt, Instant revokedAt) {
        static KeyView of(ApiKeyRepository.KeyRow row) {
            return new KeyView(row.id(), row.projectId(), row.name(), row.createdAt(), row.revokedAt());
        }
    }

    /** The answer to POST /keys: the only time the plaintext key is shown. */
    public record CreatedKeyView(UUID id, String project, String name, Instant createdAt, String key) {
    }

    /** The answer to GET /keys. */
    public record KeyList(List<KeyView> items) {
    }

    private final ApiKeyService keys;

    public ApiKeyResource(ApiKeyService keys) {
        this.keys = keys;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(CreateKeyRequest request, RoutingContext context) {
        if (request == null) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "send {\"project\": \"...\", \"name\": \"...\"}");
        }
        ApiKeyService.CreatedKey created = keys.create(Principal.of(context), request.project(), request.name());
        var row = created.row();
        return Response.created(URI.create(ApiPaths.BASE + "/keys/" + row.id()))
                .entity(new CreatedKeyView(row.id(), row.projectId(), row.name(), row.createdAt(), created.secret()))
                .build();
    }

    @GET
    public KeyList list(@QueryParam("includeRevoked") boolean includeRevoked, RoutingContext context) {
        return new KeyList(keys.list(Principal.of(context), includeRevoked).stream().map(KeyView::of).toList());
    }

    @DELETE
    @Path("{id}")
    public KeyView revoke(@PathParam("id") String id, RoutingContext context) {
        return KeyView.of(keys.revoke(Principal.of(context), id));
    }
}
