package io.rgrid.api.execution.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.Problem;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

/** Every malformed submission gets the right 4xx problem and leaves no row and no object behind. */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class RejectedSubmissionTest {

    private static final byte[] SCRIPT = "print(1)\n".getBytes(StandardCharsets.UTF_8);

    @Inject
    ApiTestSupport servers;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String key;

    static Stream<Arguments> rejections() {
        return Stream.of(
                rejected("no script part", 400, "MISSING_PART", null,
                        r -> r.multiPart("inputs", "data.csv", SCRIPT)),
                rejected("spec is not JSON", 400, "MALFORMED_REQUEST", null,
                        r -> script(r).multiPart("spec", "{\"cpus\": ", "application/json")),
                rejected("spec is not an object", 400, "MALFORMED_REQUEST", null,
                        r -> script(r).multiPart("spec", "[1,2]", "application/json")),
                rejected("memory is not a size", 422, "INVALID_SPEC", "memory",
                        r -> script(r).multiPart("spec", "{\"memory\": \"lots\"}", "application/json")),
                rejected("memory below the minimum", 422, "INVALID_SPEC", "memory",
                        r -> script(r).multiPart("spec", "{\"memory\": \"8m\"}", "application/json")),
                rejected("cpus above the maximum", 422, "INVALID_SPEC", "cpus",
                        r -> script(r).multiPart("spec", "{\"cpus\": 65}", "application/json")),
                rejected("cpus of the wrong type", 422, "INVALID_SPEC", "cpus",
                        r -> script(r).multiPart("spec", "{\"cpus\": \"all\"}", "application/json")),
                rejected("timeout out of range", 422, "INVALID_SPEC", "timeoutSeconds",
                        r -> script(r).multiPart("spec", "{\"timeoutSeconds\": 0}", "application/json")),
                rejected("unknown network", 422, "INVALID_SPEC", "network",
                        r -> script(r).multiPart("spec", "{\"network\": \"host\"}", "application/json")),
                rejected("misspelt spec field", 422, "INVALID_SPEC", "memroy",
                        r -> script(r).multiPart("spec", "{\"memroy\": \"1g\"}", "application/json")),
                rejected("input name climbs out", 400, "INVALID_FILE_NAME", "inputs",
                        r -> script(r).multiPart("inputs", "../../etc/passwd", SCRIPT)),
                rejected("input name is absolute", 400, "INVALID_FILE_NAME", "inputs",
                        r -> script(r).multiPart("inputs", "/etc/passwd", SCRIPT)),
                rejected("script name has a backslash", 400, "INVALID_FILE_NAME", "script",
                        r -> r.multiPart("script", "..\\evil.py", SCRIPT)),
                rejected("two inputs with one name", 400, "INVALID_FILE_NAME", "inputs",
                        r -> script(r).multiPart("inputs", "a.csv", SCRIPT).multiPart("inputs", "a.csv", SCRIPT)),
                rejected("unknown part", 400, "MALFORMED_REQUEST", null,
                        r -> script(r).multiPart("input", "a.csv", SCRIPT)),
                rejected("script above its size limit", 413, "PAYLOAD_TOO_LARGE", null,
                        r -> r.multiPart("script", "big.py", new byte[5000])),
                rejected("JSON body instead of multipart", 415, "UNSUPPORTED_MEDIA_TYPE", null,
                        r -> r.contentType(ContentType.JSON).body("{\"script\": \"print(1)\"}")),
                rejected("too many environment variables", 422, "INVALID_SPEC", "env",
                        r -> spec(r, "{\"env\": {\"A\": \"1\", \"B\": \"2\", \"C\": \"3\", \"D\": \"4\"}}")),
                rejected("environment too large", 422, "INVALID_SPEC", "env",
                        r -> spec(r, "{\"env\": {\"BIG\": \"" + "x".repeat(300) + "\"}}")),
                rejected("invalid environment variable name", 422, "INVALID_SPEC", "env.1BAD",
                        r -> spec(r, "{\"env\": {\"1BAD\": \"x\"}}")),
                rejected("env is a list", 422, "INVALID_SPEC", "env",
                        r -> spec(r, "{\"env\": [\"A=1\"]}")),
                rejected("too many labels", 422, "INVALID_SPEC", "labels",
                        r -> spec(r, "{\"labels\": {\"a\": \"1\", \"b\": \"2\", \"c\": \"3\", \"d\": \"4\"}}")),
                rejected("invalid label key", 422, "INVALID_SPEC", "labels.-bad",
                        r -> spec(r, "{\"labels\": {\"-bad\": \"x\"}}")),
                rejected("negative cpus", 422, "INVALID_SPEC", "cpus",
                        r -> spec(r, "{\"cpus\": -1}")),
                rejected("zero memory", 422, "INVALID_SPEC", "memory",
                        r -> spec(r, "{\"memory\": \"0\"}")),
                rejected("memory above the maximum", 422, "INVALID_SPEC", "memory",
                        r -> spec(r, "{\"memory\": \"1024g\"}")),
                rejected("zero max attempts", 422, "INVALID_SPEC", "maxAttempts",
                        r -> spec(r, "{\"maxAttempts\": 0}")),
                rejected("timeout above the maximum", 422, "INVALID_SPEC", "timeoutSeconds",
                        r -> spec(r, "{\"timeoutSeconds\": 86401}")),
                rejected("timeout as a string", 422, "INVALID_SPEC", "timeoutSeconds",
                        r -> spec(r, "{\"timeoutSeconds\": \"soon\"}")),
                rejected("fractional timeout", 422, "INVALID_SPEC", "timeoutSeconds",
                        r -> spec(r, "{\"timeoutSeconds\": 1.5}")),
                rejected("args is not a list", 422, "INVALID_SPEC", "args",
                        r -> spec(r, "{\"args\": \"--fast\"}")),
                rejected("image with white space", 422, "INVALID_SPEC", "image",
                        r -> spec(r, "{\"image\": \"python 3\"}")),
                rejected("spec with trailing garbage", 400, "MALFORMED_REQUEST", null,
                        r -> spec(r, "{} {}")),
                rejected("spec part twice", 400, "MALFORMED_REQUEST", null,
                        r -> spec(spec(r, "{}"), "{}")),
                rejected("spec above its size limit", 413, "PAYLOAD_TOO_LARGE", null,
                        r -> spec(r, "{\"image\": \"" + "x".repeat(70_000) + "\"}")),
                rejected("script part twice", 400, "MALFORMED_REQUEST", null,
                        r -> script(script(r))),
                rejected("script sent as a plain field", 400, "MISSING_PART", null,
                        r -> r.multiPart("script", "print(1)")),
                rejected("too many inputs", 413, "PAYLOAD_TOO_LARGE", null,
                        r -> script(r).multiPart("inputs", "1", SCRIPT).multiPart("inputs", "2", SCRIPT)
                                .multiPart("inputs", "3", SCRIPT).multiPart("inputs", "4", SCRIPT)),
                rejected("inputs above their total size limit", 413, "PAYLOAD_TOO_LARGE", null,
                        r -> script(r).multiPart("inputs", "a.bin", new byte[5000]).multiPart("inputs", "b.bin", new byte[5000])),
                rejected("input name with a control character", 400, "INVALID_FILE_NAME", "inputs",
                        r -> script(r).multiPart("inputs", "bad\u0001name", SCRIPT)),
                rejected("input name is a Windows path", 400, "INVALID_FILE_NAME", "inputs",
                        r -> script(r).multiPart("inputs", "C:evil.txt", SCRIPT)),
                rejected("malformed Idempotency-Key", 400, "MALFORMED_REQUEST", null,
                        r -> script(r).header("Idempotency-Key", "has spaces in it")),
                rejected("Idempotency-Key too long", 400, "MALFORMED_REQUEST", null,
                        r -> script(r).header("Idempotency-Key", "k".repeat(256))),
                rejected("multipart body without a boundary", 400, "MALFORMED_REQUEST", null,
                        r -> r.contentType("multipart/form-data").body("garbage".getBytes(StandardCharsets.UTF_8))),
                rejected("text body", 415, "UNSUPPORTED_MEDIA_TYPE", null,
                        r -> r.contentType(ContentType.TEXT).body("print(1)")));
    }

    @Test
    void theTableHasAtLeastThirtyRows() {
        assertThat(rejections().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0} → {1} {2}")
    @MethodSource("rejections")
    void rejectedWithoutLeftovers(String name, int status, String code, String field, UnaryOperator<RequestSpecification> request)
            throws Exception {
        long rowsBefore = servers.executionRows();
        long outboxBefore = servers.rows("SELECT count(*) FROM api.outbox");
        List<String> objectsBefore = servers.objectKeys();

        Response response = request.apply(given().header(Auth.HEADER, Auth.header(key))).post(ApiPaths.EXECUTIONS);

        ExecutionApiTest.expectProblem(response, status, code);
        if (field != null) {
            response.then().body("errors.field", hasItem(field));
        }
        assertThat(response.asString()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(servers.executionRows()).isEqualTo(rowsBefore);
        assertThat(servers.rows("SELECT count(*) FROM api.outbox")).isEqualTo(outboxBefore);
        assertThat(servers.objectKeys()).containsExactlyInAnyOrderElementsOf(objectsBefore);
    }

    static Stream<Arguments> unreadableMultipartBodies() {
        String part = "Content-Disposition: form-data; name=\"script\"; filename=\"main.py\"\r\n\r\nprint(1)\r\n";
        return Stream.of(
                Arguments.of("a delimiter, then no part headers", "multipart/form-data; boundary=zz", "--zz\r\nnonsense"),
                Arguments.of("no closing delimiter", "multipart/form-data; boundary=zz", "--zz\r\n" + part),
                Arguments.of("part headers never end", "multipart/form-data; boundary=zz",
                        "--zz\r\nContent-Disposition: form-data; name=\"script\"; filename=\"main.py\"\r\n"),
                Arguments.of("no boundary parameter", "multipart/form-data", "--zz\r\n" + part + "--zz--\r\n"),
                Arguments.of("an empty boundary parameter", "multipart/form-data; boundary=", "--zz\r\n" + part + "--zz--\r\n"),
                Arguments.of("another boundary than the body's", "multipart/form-data; boundary=yy",
                        "--zz\r\n" + part + "--zz--\r\n"));
    }

    /** A body the multipart parser cannot read is a 400 problem, not a 500, and leaves nothing behind. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableMultipartBodies")
    void unreadableMultipartBodiesAreMalformedRequests(String name, String contentType, String body) throws Exception {
        long rowsBefore = servers.executionRows();
        long outboxBefore = servers.rows("SELECT count(*) FROM api.outbox");
        List<String> objectsBefore = servers.objectKeys();

        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + ApiPaths.EXECUTIONS))
                .header(Auth.HEADER, Auth.header(key)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.US_ASCII)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
        JsonNode problem = Json.mapper().readTree(response.body());
        assertThat(problem.path("code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("detail").asText()).contains("multipart");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(servers.executionRows()).isEqualTo(rowsBefore);
        assertThat(servers.rows("SELECT count(*) FROM api.outbox")).isEqualTo(outboxBefore);
        assertThat(servers.objectKeys()).containsExactlyInAnyOrderElementsOf(objectsBefore);
    }

    /** The database refuses the insert after the files were uploaded: the files are removed again. */
    @Test
    void failedDatabaseWriteRemovesTheUploadedFiles() throws Exception {
        servers.execute("CREATE OR REPLACE FUNCTION api.test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
                + "BEGIN IF NEW.script_name = 'refused-by-db.py' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; "
                + "RETURN NEW; END $$");
        servers.execute("CREATE TRIGGER test_refuse_insert BEFORE INSERT ON api.executions FOR EACH ROW "
                + "EXECUTE FUNCTION api.test_refuse_insert()");
        try {
            long rowsBefore = servers.executionRows();
            List<String> objectsBefore = servers.objectKeys();
            Response response = given().header(Auth.HEADER, Auth.header(key))
                    .multiPart("script", "refused-by-db.py", SCRIPT)
                    .multiPart("inputs", "data.csv", SCRIPT)
                    .post(ApiPaths.EXECUTIONS);
            ExecutionApiTest.expectProblem(response, 500, "INTERNAL");
            assertThat(response.asString()).doesNotContain("refused by test trigger");
            assertThat(servers.executionRows()).isEqualTo(rowsBefore);
            assertThat(servers.objectKeys()).containsExactlyInAnyOrderElementsOf(objectsBefore);
        } finally {
            servers.execute("DROP TRIGGER IF EXISTS test_refuse_insert ON api.executions");
            servers.execute("DROP FUNCTION IF EXISTS api.test_refuse_insert()");
        }
    }

    @ParameterizedTest
    @MethodSource("unknownIds")
    void unknownOrMalformedIdsAreNotFound(String id) {
        ExecutionApiTest.expectProblem(given().header(Auth.HEADER, Auth.header(key)).get(ApiPaths.execution(id)), 404, "NOT_FOUND");
    }

    static Stream<String> unknownIds() {
        return Stream.of(UUID.randomUUID().toString(), "nope", "01234567-89ab-cdef-0123-456789abcdeg", "%2e%2e");
    }

    private static RequestSpecification spec(RequestSpecification r, String json) {
        return script(r).multiPart("spec", json, "application/json");
    }

    private static RequestSpecification script(RequestSpecification r) {
        return r.multiPart("script", "main.py", SCRIPT);
    }

    private static Arguments rejected(String name, int status, String code, String field, UnaryOperator<RequestSpecification> request) {
        return Arguments.of(name, status, code, field, request);
    }
}
