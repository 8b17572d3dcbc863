package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the Ray install the tests run against: {@code RGRID_RAY_VENV} ({@code .ci/run} installs
 * Ray 2.58 with {@code infra/install-ray.sh} and exports it), else {@code /opt/rgrid/ray-venv}.
 * Absent: the test is skipped loudly, unless {@code CI=true}, where it fails.
 */
public final class RayTestSupport {

    public static final String VENV_ENV = "RGRID_RAY_VENV";

    private RayTestSupport() {
    }

    /** The venv, or null with {@link #absentReason()} saying why. */
    public static Path venv() {
        String configured = System.getenv(VENV_ENV);
        Path venv = Path.of(configured == null || configured.isBlank() ? "/opt/rgrid/ray-venv" : configured);
        return Files.isExecutable(venv.resolve("bin/ray")) && RayGateways.distJarIn(venv) != null ? venv : null;
    }

    public static String absentReason() {
        return "Ray is not installed (no bin/ray and ray_dist.jar in $" + VENV_ENV
                + " or /opt/rgrid/ray-venv); install it with infra/install-ray.sh --venv <dir> and export "
                + VENV_ENV + "=<dir>";
    }

    /** The venv; skips the calling test loudly when Ray is absent (fails it when CI=true). */
    public static Path venvOrSkip() {
        Path venv = venv();
        if (venv == null) {
            skipOrFail(absentReason());
        }
        return venv;
    }

    public static void skipOrFail(String reason) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(reason + " (CI=true: Ray tests must run)");
        }
        System.err.println("SKIPPING: " + reason);
        Assumptions.abort(reason);
    }
}
