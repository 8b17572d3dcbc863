package io.rgrid.api.error;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;

class MultipartBodiesTest {

    private static final String PARSER = "org.jboss.resteasy.reactive.server.core.multipart.MultipartParser$ParseState";
    private static final String UPLOAD = "org.jboss.resteasy.reactive.server.core.multipart.MultiPartParserDefinition$MultiPartUploadHandler";
    private static final String HEADER_UTIL = "org.jboss.resteasy.reactive.common.headers.HeaderUtil";
    private static final String HANDLER = "org.jboss.resteasy.reactive.server.handlers.FormBodyHandler";

    @ParameterizedTest
    @ValueSource(strings = {"multipart/form-data; boundary=zz", "multipart/form-data;boundary=\"a b\"",
            "Multipart/Form-Data; charset=UTF-8; BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW",
            "multipart/form-data; boundary=" + "b", "application/json", "text/plain; boundary=", "multipart/mixed"})
    void usableBoundariesAndOtherTypesPass(String contentType) {
        assertThat(MultipartBodies.boundaryProblem(contentType)).isNull();
        assertThat(MultipartBodies.boundaryProblem(null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"multipart/form-data", "multipart/form-data;", "multipart/form-data; charset=UTF-8",
            "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"zz",
            "multipart/form-data; boundary=zz; boundary=yy", "multipart/form-data; boundary=back\\slash",
            "multipart/form-data; boundary=\"ends with space \"",
            "multipart/form-data; boundary=<angle>"})
    void missingEmptyOrInvalidBoundariesAreProblems(String contentType) {
        assertThat(MultipartBodies.boundaryProblem(contentType)).contains("boundary");
    }

    @Test
    void aBoundaryOfMoreThanSeventyCharactersIsAProblem() {
        assertThat(MultipartBodies.boundaryProblem("multipart/form-data; boundary=" + "b".repeat(70))).isNull();
        assertThat(MultipartBodies.boundaryProblem("multipart/form-data; boundary=" + "b".repeat(71))).isNotNull();
    }

    @Test
    void theParsersOwnComplaintsAreUnreadableBodies() {
        assertThat(MultipartBodies.unreadable(thrown(new IOException("Connection terminated parsing multipart request"),
                UPLOAD, HANDLER))).isTrue();
        assertThat(MultipartBodies.unreadable(thrown(new IllegalStateException("state 7"), PARSER, UPLOAD, HANDLER))).isTrue();
        assertThat(MultipartBodies.unreadable(thrown(new StringIndexOutOfBoundsException(30),
                "java.lang.String", HEADER_UTIL, "org.jboss.resteasy.reactive.server.core.multipart.MultiPartParserDefinition",
                HANDLER))).isTrue();
    }

    @Test
    void serverFailuresWhileParsingAreNot() {
        // A full disk while a part is spooled: thrown by the JDK's file channel.
        assertThat(MultipartBodies.unreadable(thrown(new IOException("No space left on device"),
                "sun.nio.ch.FileDispatcherImpl", "sun.nio.ch.FileChannelImpl", UPLOAD, HANDLER))).isFalse();
        // A temporary file that could not be created, wrapped by the parser.
        Throwable wrapped = thrown(new RuntimeException(new IOException("Permission denied")), UPLOAD, HANDLER);
        assertThat(MultipartBodies.unreadable(wrapped)).isFalse();
        // Failures elsewhere: our own code, the HTTP layer, a client gone mid-body.
        assertThat(MultipartBodies.unreadable(thrown(new IllegalStateException("bug"), "io.rgrid.api.execution.rest.ExecutionResource")))
                .isFalse();
        assertThat(MultipartBodies.unreadable(thrown(new UncheckedIOException(new IOException("closed")),
                "io.vertx.core.http.impl.Http1xServerRequest", UPLOAD))).isFalse();
        assertThat(MultipartBodies.unreadable(thrown(new IOException("Connection was closed"),
                "org.jboss.resteasy.reactive.server.vertx.VertxInputStream", UPLOAD, HANDLER))).isFalse();
        assertThat(MultipartBodies.unreadable(thrown(new NullPointerException(), "java.util.Objects"))).isFalse();
    }

    private static Throwable thrown(Throwable failure, String... classes) {
        StackTraceElement[] stack = new StackTraceElement[classes.length];
        for (int i = 0; i < classes.length; i++) {
            stack[i] = new StackTraceElement(classes[i], "m", null, -1);
        }
        failure.setStackTrace(stack);
        return failure;
    }
}
