package io.rgrid.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rgrid.model.Json;

import java.io.PrintStream;

/** --json output: the API's body, pretty-printed. */
final class JsonOut {

    private JsonOut() {
    }

    static void print(PrintStream out, Object value) {
        try {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
    }
}
