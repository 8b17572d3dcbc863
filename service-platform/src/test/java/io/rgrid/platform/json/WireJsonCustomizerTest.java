package io.rgrid.platform.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;

class WireJsonCustomizerTest {

    record Stamp(Instant at, OffsetDateTime local) {
    }

    private final ObjectMapper mapper = customized();

    private static ObjectMapper customized() {
        ObjectMapper mapper = new ObjectMapper();
        new WireJsonCustomizer().customize(mapper);
        return mapper;
    }

    @Test
    void writesInstantsAsIsoText() throws Exception {
        String json = mapper.writeValueAsString(new Stamp(Instant.parse("2026-12-05T14:00:00Z"), null));

        assertThat(json).contains("\"at\":\"2026-12-05T14:00:00Z\"");
    }

    @Test
    void ignoresFieldsItDoesNotKnow() throws Exception {
        Stamp read = mapper.readValue("{\"at\":\"2026-12-05T14:00:00Z\",\"addedLater\":1}", Stamp.class);

        assertThat(read.at()).isEqualTo(Instant.parse("2026-12-05T14:00:00Z"));
    }

    @Test
    void keepsTheOffsetItWasGiven() throws Exception {
        Stamp read = mapper.readValue("{\"local\":\"2026-12-05T15:00:00+01:00\"}", Stamp.class);

        assertThat(read.local().getOffset().getTotalSeconds()).isEqualTo(3600);
    }
}
