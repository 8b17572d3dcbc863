package io.rgrid.orchestrator.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rgrid.model.Json;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.KnownExecutions;
import io.rgrid.model.api.Problem;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.UUID;

/**
 * {@code POST /v1/executions/known}: which of the given executions this orchestrator has a copy
 * of, at which attempt, and how those that ended here ended (read-only, so a standby answers as well as the leader). api-service's
 * reconciliation calls it; like every route here it is closed by {@code ApiAccessFilter}.
 */
@ApplicationScoped
@Path(KnownExecutions.PATH)
public class KnownExecutionsResource {

    private static final ObjectMapper JSON = Json.configure(new ObjectMapper());

    private final Transactions database;
    private final HeldExecutions executions;

    KnownExecutionsResource(Transactions database, HeldExecutions executions) {
        this.database = database;
        this.executions = executions;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public KnownExecutions.Answer known(String body) {
        List<UUID> ids = ids(body);
        if (ids == null || ids.isEmpty() || ids.size() > KnownExecutions.MAX_IDS || ids.contains(null)) {
            throw problem("ids must name 1 to " + KnownExecutions.MAX_IDS + " executions");
        }
        return database.read(c -> executions.known(c, ids));
    }

    /** Read here rather than by the REST layer, so that a body that is not JSON, or ids that are not UUIDs, get a problem too. */
    private static List<UUID> ids(String body) {
        try {
            KnownExecutions.Request request = body == null ? null : JSON.readValue(body, KnownExecutions.Request.class);
            return request == null ? null : request.ids();
        } catch (JsonProcessingException e) {
            throw problem("the body must be {\"ids\": [execution ids]}: " + e.getOriginalMessage());
        }
    }

    private static WebApplicationException problem(String detail) {
        return new WebApplicationException(Response.status(400).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(ErrorCode.MALFORMED_REQUEST, detail)).build());
    }
}
