package io.rgrid.api.execution.rest;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.service.ExecutionService;
import io.rgrid.api.execution.service.Submission;
import io.rgrid.api.execution.service.UploadedFile;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.storage.StorageKeys;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /api/v1/executions}: submit, read, follow the log of, and cancel executions. */
@Path(ApiPaths.EXECUTIONS)
@Blocking
public class ExecutionResource {

    private static final Set<String> PARTS = Set.of(ApiPaths.PART_SPEC, ApiPaths.PART_SCRIPT, ApiPaths.PART_INPUTS,
            ApiPaths.PART_REQUIREMENTS);

    private final ExecutionService executions;
    private final ObjectStore store;
    private final RgridConfig.Limits limits;

    public ExecutionResource(ExecutionService executions, ObjectStore store, RgridConfig config) {
        this.executions = executions;
        this.store = store;
        this.limits = config.api().limits();
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(MultipartFormDataInput form, RoutingContext context) {
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
        ExecutionView view = executions.submit(Principal.of(context), submission);
        return Response.created(URI.create(ApiPaths.execution(view.id().toString()))).entity(view).build();
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public ExecutionView get(@PathParam("id") String id, RoutingContext context) {
        return executions.get(Principal.of(context), id);
    }

    /** The stored log of one attempt (default: the current one); empty while none was stored yet. */
    @GET
    @Path("{id}/logs")
    @Produces(MediaType.TEXT_PLAIN + ";charset=utf-8")
    public Response logs(@PathParam("id") String id, @QueryParam("attempt") String attemptParam, RoutingContext context) {
        ExecutionRecord row = executions.find(Principal.of(context), id);
        int attempt = row.attempt();
        if (attemptParam != null) {
            try {
                attempt = Integer.parseInt(attemptParam.trim());
            } catch (NumberFormatException e) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "attempt must be a whole number");
            }
            if (attempt < 1 || attempt > row.attempt()) {
                throw ApiException.notFound("execution " + row.id() + " has attempts 1 to " + row.attempt());
            }
        }
        Optional<InputStream> log;
        try {
            log = store.get(StorageKeys.log(row.id(), attempt));
        } catch (StorageException e) {
            throw ApiException.dependencyUnavailable("the object store is unavailable", e);
        }
        if (log.isEmpty()) {
            return Response.ok("", MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).build();
        }
        InputStream in = log.get();
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
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
