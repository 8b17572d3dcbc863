package io.rgrid.api.execution.rest;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionQuery;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.service.ExecutionRetry;
import io.rgrid.api.execution.service.ExecutionService;
import io.rgrid.api.execution.service.IdempotencyKeys;
import io.rgrid.api.execution.service.Submission;
import io.rgrid.api.execution.service.UploadedFile;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.storage.CappedInputStream;
import io.rgrid.model.storage.OutputNames;
import io.rgrid.model.storage.StorageKeys;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /api/v1/executions}: submit, list, read, retry and cancel executions; their logs and outputs. */
@Path(ApiPaths.EXECUTIONS)
@Blocking
public class ExecutionResource {

    private static final Set<String> PARTS = Set.of(ApiPaths.PART_SPEC, ApiPaths.PART_SCRIPT, ApiPaths.PART_INPUTS,
            ApiPaths.PART_REQUIREMENTS);

    private final ExecutionService executions;
    private final ExecutionRetry retries;
    private final ObjectStore store;
    private final RgridConfig.Limits limits;
    private final long logMaxBytes;

    public ExecutionResource(ExecutionService executions, ExecutionRetry retries, ObjectStore store, RgridConfig config) {
        this.executions = executions;
        this.retries = retries;
        this.store = store;
        this.limits = config.api().limits();
        this.logMaxBytes = config.logs().maxBytes();
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(MultipartFormDataInput form, @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey,
                           RoutingContext context) {
        Map<String, Collection<FormValue>> values = form.getValues();
        for (String name : values.keySet()) {
            if (!PARTS.contains(name)) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "unknown part '" + name + "'; the parts are " + PARTS);
            }
        }
        Submission submission = new Submission(
                specText(single(values, ApiPaths.PART_SPEC)),
                file(single(values, ApiPaths.PART_SCRIPT), ApiPaths.PART_SCRIPT),
                files(values.get(ApiPaths.PART_INPUTS)),
                file(single(values, ApiPaths.PART_REQUIREMENTS), ApiPaths.PART_REQUIREMENTS));
        ExecutionService.Submitted submitted = executions.submit(Principal.of(context), submission, idempotencyKey);
        URI location = URI.create(ApiPaths.execution(submitted.row().id().toString()));
        Object body = ExecutionJson.of(submitted.row());
        return submitted.created()
                ? Response.created(location).entity(body).build()
                : Response.ok(body).location(location).header("Idempotent-Replayed", "true").build();
    }

    /** An execution: ExecutionView's fields, plus {@code retryOf} when it retries another one. */
    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Object get(@PathParam("id") String id, RoutingContext context) {
        return ExecutionJson.of(executions.find(Principal.of(context), id));
    }

    /**
     * The caller's executions, newest first, one page at a time: pass {@code nextCursor} of a page
     * as {@code cursor} for the next. Filters: {@code state} (repeatable or comma-separated),
     * {@code label=key=value} (repeatable; all must match), {@code createdSince}/{@code createdBefore}
     * (ISO-8601 instants), {@code limit} (1-500, default 50), {@code project} (the admin's filter;
     * a project key asking for another project gets an empty page).
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ExecutionJson.Page list(@QueryParam("state") List<String> states, @QueryParam("label") List<String> labels,
                                   @QueryParam("createdSince") String createdSince, @QueryParam("createdBefore") String createdBefore,
                                   @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                   @QueryParam("project") String project, RoutingContext context) {
        ExecutionQuery query = ListParameters.parse(states, labels, createdSince, createdBefore, limit, cursor, project);
        List<ExecutionRecord> rows = executions.list(Principal.of(context), query);
        boolean more = rows.size() > query.limit();
        List<ExecutionRecord> page = more ? rows.subList(0, query.limit()) : rows;
        String next = more ? ListParameters.cursor(page.getLast()) : null;
        return new ExecutionJson.Page(page.stream().map(ExecutionJson::of).toList(), next);
    }

    /** One state change of an execution; {@code from} is null for the submission. */
    public record TransitionView(int attempt, String from, String to, Instant at, String reportedBy) {
    }

    public record Transitions(List<TransitionView> items) {
    }

    /** Every state change of the execution, oldest first, with the attempt it belongs to: its timeline. */
    @GET
    @Path("{id}/transitions")
    @Produces(MediaType.APPLICATION_JSON)
    public Transitions transitions(@PathParam("id") String id, RoutingContext context) {
        return new Transitions(executions.transitions(Principal.of(context), id).stream()
                .map(t -> new TransitionView(t.attempt(), t.from() == null ? null : t.from().name(), t.to().name(), t.at(),
                        t.reportedBy()))
                .toList());
    }

    /** A new execution with the same spec and files as an ended one; the answer names it in {@code retryOf}. */
    @POST
    @Path("{id}/retry")
    @Produces(MediaType.APPLICATION_JSON)
    public Response retry(@PathParam("id") String id, RoutingContext context) {
        ExecutionRecord row = retries.retry(Principal.of(context), id);
        return Response.created(URI.create(ApiPaths.execution(row.id().toString()))).entity(ExecutionJson.of(row)).build();
    }

    /**
     * The outputs an attempt (default: the current one) stored: names, sizes and ETags. Only those
     * of the attempt's accepted run ({@link ExecutionService#runOf}); a stray run's are not listed.
     */
    @GET
    @Path("{id}/outputs")
    @Produces(MediaType.APPLICATION_JSON)
    public ExecutionJson.Outputs outputs(@PathParam("id") String id, @QueryParam("attempt") String attemptParam,
                                         RoutingContext context) {
        ExecutionRecord row = executions.find(Principal.of(context), id);
        int attempt = attempt(row, attemptParam);
        List<ObjectStore.ObjectInfo> objects;
        try {
            objects = store.list(StorageKeys.outputsPrefix(row.id(), attempt, executions.runOf(row.id(), attempt)));
        } catch (StorageException e) {
            throw ApiException.dependencyUnavailable("the object store is unavailable", e);
        }
        return new ExecutionJson.Outputs(row.id(), attempt, objects.stream()
                .map(o -> new ExecutionJson.Output(o.name(), o.size(), o.etag(), o.lastModified())).toList());
    }

    /**
     * One output's content, streamed (works behind nginx without exposing the object store). A name
     * in a sub-folder comes as path segments ({@code sub/b.txt}) or as one ({@code sub%2Fb.txt}).
     */
    @GET
    @Path("{id}/outputs/{name: .+}")
    @Produces(MediaType.WILDCARD)
    public Response output(@PathParam("id") String id, @PathParam("name") String name, @QueryParam("attempt") String attemptParam,
                           RoutingContext context) {
        String problem = OutputNames.problem(name);
        if (problem != null) {
            throw new ApiException(ErrorCode.INVALID_FILE_NAME, "invalid output name: " + problem
                    + " (an output name is a path below outputs/, such as sub/b.txt)");
        }
        ExecutionRecord row = executions.find(Principal.of(context), id);
        int attempt = attempt(row, attemptParam);
        String key = StorageKeys.output(row.id(), attempt, executions.runOf(row.id(), attempt), name);
        Optional<ObjectStore.ObjectInfo> info;
        Optional<InputStream> content;
        try {
            info = store.stat(key);
            content = info.isPresent() ? store.get(key) : Optional.empty();
        } catch (StorageException e) {
            throw ApiException.dependencyUnavailable("the object store is unavailable", e);
        }
        if (content.isEmpty()) {
            throw ApiException.notFound("attempt " + attempt + " of execution " + row.id() + " has no output '" + OutputNames.printable(name) + "'");
        }
        InputStream in = content.get();
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        Response.ResponseBuilder response = Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("Content-Length", info.get().size())
                .header("Content-Disposition", "attachment; filename*=UTF-8''"
                        + URLEncoder.encode(name.substring(name.lastIndexOf('/') + 1), StandardCharsets.UTF_8).replace("+", "%20"));
        if (info.get().etag() != null) {
            response.header("ETag", "\"" + info.get().etag() + "\"");
        }
        return response.build();
    }

    private static int attempt(ExecutionRecord row, String attemptParam) {
        if (attemptParam == null) {
            return row.attempt();
        }
        int attempt;
        try {
            attempt = Integer.parseInt(attemptParam.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "attempt must be a whole number");
        }
        if (attempt < 1 || attempt > row.attempt()) {
            throw ApiException.notFound("execution " + row.id() + " has attempts 1 to " + row.attempt());
        }
        return attempt;
    }

    /**
     * The stored log of one attempt (default: the current one); empty while a running attempt has
     * stored none yet, a {@code LOG_NOT_STORED} problem for an attempt that ended without one.
     * {@code Range: bytes=N-} answers 206 with the log from byte N (what a follower missed). No byte
     * past the log cap ({@code rgrid.logs.max-bytes}) is served.
     * With {@code follow=true} the request never reaches this method: {@link io.rgrid.api.logs.LogFollowRoute}
     * answers it as a server-sent event stream.
     */
    @GET
    @Path("{id}/logs")
    @Produces(MediaType.TEXT_PLAIN + ";charset=utf-8")
    public Response logs(@PathParam("id") String id, @QueryParam("attempt") String attemptParam,
                         @Parameter(description = "true: a text/event-stream of the log as it is written (events 'log', then "
                                 + "'end' with the final state)") @QueryParam("follow") String follow,
                         @Parameter(description = "bytes=N-: the log from byte N on (206)") @HeaderParam("Range") String range,
                         RoutingContext context) {
        ExecutionRecord row = executions.find(Principal.of(context), id);
        int attempt = attempt(row, attemptParam);
        long from = LogRange.parseStart(range);
        String key = StorageKeys.log(row.id(), attempt, executions.runOf(row.id(), attempt));
        boolean ended = attempt < row.attempt() || row.state().isTerminal();
        Optional<InputStream> log;
        long size = -1;
        try {
            if (from > 0) {
                Optional<ObjectStore.ObjectInfo> info = store.stat(key);
                if (info.isPresent()) {
                    size = Math.min(info.get().size(), logMaxBytes); // nothing past the log cap is served
                    if (from >= size) {
                        throw new ApiException(ErrorCode.RANGE_NOT_SATISFIABLE,
                                "the stored log of attempt " + attempt + " has " + size + " bytes; the range starts at " + from);
                    }
                }
            }
            log = size < 0 && from > 0 ? Optional.empty() : store.get(key, from);
        } catch (StorageException e) {
            throw ApiException.dependencyUnavailable("the object store is unavailable", e);
        }
        if (log.isEmpty()) {
            if (ended) {
                // An empty 200 would pass for a script that printed nothing.
                throw new ApiException(ErrorCode.LOG_NOT_STORED, "attempt " + attempt + " of execution " + row.id()
                        + " ended (" + (attempt < row.attempt() ? "retried" : row.state().name())
                        + ") without a stored log");
            }
            return Response.ok("", MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).build();
        }
        InputStream in = new CappedInputStream(log.get(), logMaxBytes - from);
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        if (from > 0) {
            return Response.status(206).entity(body).type(MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8"))
                    .header("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size).build();
        }
        return Response.ok(body, MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).build();
    }

    @POST
    @Path("{id}/cancel")
    @Produces(MediaType.APPLICATION_JSON)
    public Response cancel(@PathParam("id") String id, RoutingContext context) {
        return Response.accepted(executions.cancel(Principal.of(context), id)).build();
    }

    private static FormValue single(Map<String, Collection<FormValue>> values, String part) {
        Collection<FormValue> found = values.get(part);
        if (found == null || found.isEmpty()) {
            return null;
        }
        if (found.size() > 1) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the '" + part + "' part may appear only once");
        }
        return found.iterator().next();
    }

    /** The spec may come as a plain form field or as a file part (e.g. {@code -F spec=@spec.json}). */
    private String specText(FormValue value) {
        if (value == null) {
            return null;
        }
        if (!value.isFileItem()) {
            String text = value.getValue();
            if (text != null && text.length() > limits.maxSpecBytes()) {
                throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the spec part is larger than " + limits.maxSpecBytes() + " bytes");
            }
            return text;
        }
        try {
            if (value.getFileItem().getFileSize() > limits.maxSpecBytes()) {
                throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the spec part is larger than " + limits.maxSpecBytes() + " bytes");
            }
            try (InputStream in = value.getFileItem().getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the spec part could not be read");
        }
    }

    private static List<UploadedFile> files(Collection<FormValue> values) {
        List<UploadedFile> files = new ArrayList<>();
        if (values != null) {
            for (FormValue value : values) {
                files.add(file(value, ApiPaths.PART_INPUTS));
            }
        }
        return files;
    }

    private static UploadedFile file(FormValue value, String part) {
        if (value == null) {
            return null;
        }
        if (!value.isFileItem()) {
            if (value.getFileName() == null) {
                throw new ApiException(ErrorCode.MISSING_PART, "the '" + part + "' part must be a file with a filename");
            }
            // A small part the HTTP layer kept in memory as text.
            byte[] bytes = value.getValue() == null ? new byte[0] : value.getValue().getBytes(StandardCharsets.UTF_8);
            return new SpooledFile(value.getFileName(), null, () -> new ByteArrayInputStream(bytes), bytes.length);
        }
        String contentType = value.getHeaders() == null ? null : value.getHeaders().getFirst("Content-Type");
        var item = value.getFileItem();
        long size;
        try {
            size = item.getFileSize();
        } catch (IOException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the '" + part + "' part could not be read");
        }
        return new SpooledFile(value.getFileName(), contentType, item::getInputStream, size);
    }

    private interface Opener {
        InputStream open() throws IOException;
    }

    private record SpooledFile(String fileName, String contentType, Opener opener, long length) implements UploadedFile {
        @Override
        public long size() {
            return length;
        }

        @Override
        public InputStream open() throws IOException {
            return opener.open();
        }
    }
}
