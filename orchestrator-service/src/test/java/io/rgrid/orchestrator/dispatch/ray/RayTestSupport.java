package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

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
        String configured = System.getenv(VENV_ENV);
        String where = configured == null || configured.isBlank()
                ? "/opt/rgrid/ray-venv ($" + VENV_ENV + " is not set)"
                : "$" + VENV_ENV + "=" + configured;
        return "Ray is not installed: no bin/ray and ray_dist.jar in " + where
                + "; install it with infra/install-ray.sh --venv <dir> and export " + VENV_ENV + "=<dir>";
    }

    /** The venv; skips the calling test loudly when Ray is absent (fails it when CI=true). */
    public static Path venvOrSkip() {
        Path venv = venv();
        if (venv == null) {
            Assumptions.abort(skipping(absentReason()));
        }
        return venv;
    }

    /** @return the reason, logged as a skip; throws instead when CI=true, where Ray tests must run */
    private static String skipping(String reason) {
        return Requirements.skipping("Ray", reason);
    }

    /**
     * For a whole {@code @QuarkusTest} class that needs Ray ({@code @ExtendWith} before
     * {@code @QuarkusTest}): decides before the application starts, so a machine without Ray skips
     * the class with {@link #absentReason()} (fails it when CI=true) instead of starting an
     * application that has no servers to talk to.
     */
    public static final class Required implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Path venv = venv();
            return venv != null
                    ? ConditionEvaluationResult.enabled("Ray found in " + venv)
                    : ConditionEvaluationResult.disabled(skipping(absentReason()));
        }
    }
}
