package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

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

    /**
     * Makes a Ray token for this test run (32 random bytes as hex, as {@code ray get-auth-token
     * --generate} and the deploy script do) and writes it, mode 0600, where this JVM's Ray driver
     * reads it: {@code RAY_AUTH_TOKEN_PATH}, which surefire sets together with
     * {@code RAY_AUTH_MODE=token} (orchestrator-service/pom.xml).
     *
     * @return the token, for the head's {@code RAY_AUTH_TOKEN}
     */
    public static String writeDriverAuthToken() throws IOException {
        String path = System.getenv(RayAuth.TOKEN_PATH);
        if (!RayAuth.enabled(System.getenv()) || path == null || path.isBlank()) {
            throw new IllegalStateException("the Ray tests run with Ray's token authentication: this JVM needs "
                    + "RAY_AUTH_MODE=token and RAY_AUTH_TOKEN_PATH in its environment (run them through Maven: "
                    + "orchestrator-service/pom.xml's surefire configuration sets both)");
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Path file = Path.of(path);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return token;
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
