package io.rgrid.worker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.rgrid.model.Json;
import jakarta.inject.Singleton;

/** The HTTP API speaks the same JSON dialect as the events (ISO-8601 instants, unknown fields ignored). */
@Singleton
public class JsonCustomizer implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        Json.configure(mapper);
    }
}
