package io.rgrid.api.execution.service;

import io.rgrid.api.execution.repository.IdempotencyRepository.Entry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayDecisionTest {

    private static final UUID EARLIER = UUID.fromString("00000000-0000-7000-8000-000000000001");

    /** hash held under the key ('-': the key is free), hash of this request → decision. */
    @ParameterizedTest(name = "held {0}, request {1} → {2}")
    @CsvSource(nullValues = "-", value = {
            "-,    h1, Create",
            "h1,   h1, Replay",
            "h1,   h2, Conflict",
    })
    void decides(String held, String request, String expected) {
        Optional<Entry> earlier = held == null ? Optional.empty() : Optional.of(new Entry(held, EARLIER));
        ReplayDecision decision = ReplayDecision.decide(earlier, request);
        assertThat(decision.getClass().getSimpleName()).isEqualTo(expected);
        switch (decision) {
            case ReplayDecision.Create create -> assertThat(held).isNull();
            case ReplayDecision.Replay replay -> assertThat(replay.executionId()).isEqualTo(EARLIER);
            case ReplayDecision.Conflict conflict -> assertThat(conflict.executionId()).isEqualTo(EARLIER);
        }
    }
}
