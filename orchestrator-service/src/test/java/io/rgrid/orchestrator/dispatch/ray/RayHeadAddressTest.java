package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RayHeadAddressTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.2:6380, 10.0.0.2:6380",
            "ray://10.0.0.2:10001, 10.0.0.2:6380",
            "ray://head.internal:10001/, head.internal:6380",
            "head.internal, head.internal:6380",
            "127.0.0.1:16380, 127.0.0.1:16380"})
    void readsTheGcsAddress(String value, String expected) {
        assertThat(RayHeadAddress.parse(value)).hasToString(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "http://10.0.0.2:8265", "10.0.0.2:notaport", "10.0.0.2:70000", ":6380",
            "ray://:10001"})
    void refusesWhatIsNoAddressNamingTheSetting(String value) {
        assertThatThrownBy(() -> RayHeadAddress.parse(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RAY_HEAD_ADDRESS");
    }
}
