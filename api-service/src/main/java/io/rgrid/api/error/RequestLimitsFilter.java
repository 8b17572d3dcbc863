package io.rgrid.api.error;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Vert.x-level guards that answer in problem+json where the REST layer never sees the request:
 * a declared body above the limit and a multipart/form-data Content-Type without a usable
 * boundary (both refused before a byte of the body is read), paths no resource serves, and
 * failures raised by the HTTP layer itself.
 */
@Singleton
public class RequestLimitsFilter {

    private static final Logger LOG = Logger.getLogger(RequestLimitsFilter.class);
    public static final int ORDER = -1000;

    private final RgridConfig config;

    public RequestLimitsFilter(RgridConfig config) {
        this.config = config;
    }

    void register(@Observes Router router) {
        router.route(ApiPaths.BASE + "/*").order(ORDER).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            long max = config.api().limits().maxRequestBytes();
            if (length != null && parseLong(length) > max) {
                end(context, Problem.of(ErrorCode.PAYLOAD_TOO_LARGE,
                        "the request body is larger than " + max + " bytes"));
                return;
            }
            String boundaryProblem = MultipartBodies.boundaryProblem(context.request().getHeader("Content-Type"));
            if (boundaryProblem != null) {
                end(context, Problem.of(ErrorCode.MALFORMED_REQUEST, boundaryProblem));
                return;
            }
            context.next();
        });
        router.route(ApiPaths.BASE + "/*").order(ORDER).failureHandler(context -> {
            Throwable failure = context.failure();
            int status = context.statusCode();
            if (context.response().headWritten()) {
                context.response().close();
                return;
            }
            if (status == 413) {
                end(context, Problem.of(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is too large"));
            } else if (status >= 400 && status < 500) {
                end(context, Problem.of(ErrorCode.MALFORMED_REQUEST, "the request could not be read"));
            } else {
                LOG.errorf(failure, "unexpected failure on %s", context.request().path());
                end(context, Problem.of(ErrorCode.INTERNAL, "internal error; the server log has the details"));
            }
        });
        // Registered last (highest order): runs only when no other route answered.
        router.route().order(Integer.MAX_VALUE).handler(context ->
                end(context, Problem.of(ErrorCode.NOT_FOUND, "no resource at " + context.request().path())));
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void end(RoutingContext context, Problem problem) {
        Problem withInstance = problem.withInstance(context.request().path());
        context.response()
                .setStatusCode(withInstance.status())
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Buffer.buffer(Problems.bytes(withInstance)));
    }
}
