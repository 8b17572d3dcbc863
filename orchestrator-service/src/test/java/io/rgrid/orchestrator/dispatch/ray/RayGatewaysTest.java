package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an operator sees when Ray mode cannot start: the reason and the fix, before any Ray code runs. */
class RayGatewaysTest {

    @Test
    void aVenvWithoutRayIsNamed(@TempDir Path venv) {
        assertThat(RayGateways.distJarIn(venv)).isNull();
        assertThatThrownBy(() -> RayGateways.connect(venv.resolve("ray_dist.jar"), RayHeadAddress.parse("127.0.0.1:6380"),
                "127.0.0.1", venv.resolve("task.jar")))
                .isInstanceOf(RayGateways.RayUnavailableException.class)
                .hasMessageContaining("Ray is not installed").hasMessageContaining("infra/install-ray.sh");
    }

    @Test
    void anUnreachableHeadIsNamedWithTheSetting() {
        Path venv = RayTestSupport.venvOrSkip();
        // Nothing listens on port 1: refused at once, and Ray.init() is never called.
        assertThatThrownBy(() -> RayGateways.connect(RayGateways.distJarIn(venv), RayHeadAddress.parse("127.0.0.1:1"),
                "127.0.0.1", Path.of("task.jar")))
                .isInstanceOf(RayGateways.RayUnavailableException.class)
                .hasMessageContaining("the Ray head is unreachable at 127.0.0.1:1 (RAY_HEAD_ADDRESS)")
                .hasMessageContaining("RAY_ENABLED=false");
    }
}
