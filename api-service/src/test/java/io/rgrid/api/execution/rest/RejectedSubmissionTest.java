package io.rgrid.api.execution.rest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
                        r -> r.contentType(ContentType.JSON).body("{\"script\": \"print(1)\"}")));
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

    private static RequestSpecification script(RequestSpecification r) {
        return r.multiPart("script", "main.py", SCRIPT);
    }

    private static Arguments rejected(String name, int status, String code, String field, UnaryOperator<RequestSpecification> request) {
        return Arguments.of(name, status, code, field, request);
    }
}
