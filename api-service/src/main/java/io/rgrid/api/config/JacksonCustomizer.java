package io.rgrid.api.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.rgrid.model.Json;
import jakarta.inject.Singleton;

/** Gives the REST layer's mapper RGrid's wire settings, so API bodies match the event encoding. */
@Singleton
public class JacksonCustomizer implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        Json.configure(mapper);
    }
}
