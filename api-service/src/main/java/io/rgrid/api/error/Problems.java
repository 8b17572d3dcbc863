package io.rgrid.api.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rgrid.model.Json;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;

/** Builds problem+json responses, for JAX-RS and for the Vert.x handlers that run before it. */
public final class Problems {

    private Problems() {
    }

    public static Response response(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status())
                .type(Problem.MEDIA_TYPE)
                .entity(bytes(problem));
        if (problem.status() == 401) {
            builder.header("WWW-Authenticate", "Bearer");
        }
        return builder.build();
    }

    public static Response response(ErrorCode code, String detail) {
        return response(Problem.of(code, detail));
    }

    /**
     * Serialised by hand rather than by the REST layer's writer so that the body is the same
     * whatever the client's Accept header asked for (a 406 on top of an error helps nobody).
     */
    public static byte[] bytes(Problem problem) {
        try {
            return Json.mapper().writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            // A record of strings and ints always serialises; keep a body anyway.
            return ("{\"status\":" + problem.status() + ",\"code\":\"" + problem.code() + "\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
