package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.hetzner.CloudInitTemplate.Ray;
import io.rgrid.orchestrator.provider.hetzner.CloudInitTemplate.Settings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The renderer of deploy/cloud-init/worker.yaml (the bundled copy). Schema validation with the real
 * {@code cloud-init schema} is infra/check-deploy.sh's (DeployChecksTest in CI).
 */
class CloudInitTemplateTest {

    private static final Ray RAY = new Ray("10.0.0.2:6380", "2.58.0", 2);

    @Test
    void rendersWithoutRayAndHoldsNoPlaceholderOrSecret() {
        String out = CloudInitTemplate.bundled().render(Settings.withoutRay());
        assertThat(out).startsWith("#cloud-config\n");
        assertThat(out.lines().filter(l -> !l.strip().startsWith("#"))).noneMatch(l -> l.contains("${"));
        assertThat(out).contains("  - docker.io", "/etc/systemd/system/rgrid-worker.service")
                .doesNotContain("ray start", "python3-venv", "openjdk", "/usr/local/lib/rgrid/java ")
                .doesNotContainIgnoringCase("token=").doesNotContainIgnoringCase("secret_key");
        assertThat(out.getBytes(StandardCharsets.UTF_8).length).isLessThan(CloudInitTemplate.USER_DATA_LIMIT);
        assertThat(code(out)).doesNotContain("@ray-");
    }

    @Test
    void theUnitIsEmbeddedVerbatimInsideItsBlockScalar() throws Exception {
        assertEmbeddedVerbatim(CloudInitTemplate.bundled().render(Settings.withoutRay()), "deploy/systemd/rgrid-worker.service");
    }

    @Test
    void theEgressPolicyScriptIsEmbeddedVerbatimAndInstalledAfterDocker() throws Exception {
        String out = CloudInitTemplate.bundled().render(Settings.withoutRay());
        assertEmbeddedVerbatim(out, "deploy/worker-egress.sh");
        assertThat(out).contains("  - path: /usr/local/lib/rgrid/worker-egress.sh\n    permissions: \"0755\"");
        assertThat(out.indexOf("  - /usr/local/lib/rgrid/worker-egress.sh install"))
                .as("installed once Docker runs (it creates DOCKER-USER)")
                .isGreaterThan(out.indexOf("  - systemctl enable --now docker"));
        assertThat(out).contains("ExecStartPre=+/usr/local/lib/rgrid/worker-egress.sh install");
    }

    @Test
    void rendersTheRayBlockWhenRayIsEnabled() {
        String out = CloudInitTemplate.bundled().render(new Settings(Optional.of(RAY)));
        assertThat(out).contains("  - python3-venv", "head=10.0.0.2:6380", "--num-cpus=2",
                "--resources='{\"rgrid_worker\": 2}'", "\"ray==2.58.0\"", "systemctl enable --now rgrid-ray-worker",
                "PATH=/usr/local/lib/rgrid/worker-agent/java/bin:$PATH");
        assertThat(code(out)).doesNotContain("@ray-");
        // The task's agent address and token, and Ray's token, come from worker.env (never user_data).
        assertThat(out).contains("EnvironmentFile=-/etc/rgrid/worker.env", "RGRID_AGENT_URL=$RGRID_WORKER_ADVERTISED_ADDRESS",
                "RGRID_AGENT_TOKEN=$RGRID_WORKER_TOKEN").doesNotContain("RAY_AUTH_TOKEN=");
    }

    /** Every line of a file of the repository stands in the rendered text, inside its block scalar. */
    private static void assertEmbeddedVerbatim(String rendered, String file) throws Exception {
        Path path = Path.of(System.getProperty("build.repo.root", "..")).resolve(file);
        for (String line : Files.readAllLines(path)) {
            assertThat(rendered).contains(line.isEmpty() ? "\n\n" : "\n      " + line + "\n");
        }
    }

    /** The rendered text without its comment lines. */
    private static String code(String rendered) {
        return String.join("\n", rendered.lines().filter(l -> !l.strip().startsWith("#")).toList());
    }

    @Test
    void anUnknownPlaceholderOrAnUnbalancedMarkerIsAnError() {
        assertThatThrownBy(() -> CloudInitTemplate.of("#cloud-config\npackages: [${NOPE}]\n", "", "").render(Settings.withoutRay()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2").hasMessageContaining("${NOPE}");
        assertThatThrownBy(() -> CloudInitTemplate.of("#cloud-config\nruncmd: [\"${RAY_VERSION}\"]\n", "", "")
                .render(Settings.withoutRay())).hasMessageContaining("${RAY_VERSION}");
        assertThatThrownBy(() -> CloudInitTemplate.of("#cloud-config\n# @ray-begin\n", "", "").render(Settings.withoutRay()))
                .hasMessageContaining("without");
        assertThatThrownBy(() -> CloudInitTemplate.of("#cloud-config\n# @ray-end\n", "", "").render(Settings.withoutRay()))
                .hasMessageContaining("unbalanced");
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new Ray("10.0.0.2", "2.58.0", 2)).hasMessageContaining("host:port");
        assertThatThrownBy(() -> new Ray("10.0.0.2:6380", "2.58; rm -rf /", 2)).hasMessageContaining("version");
        assertThatThrownBy(() -> new Ray("10.0.0.2:6380", "2.58.0", 0)).hasMessageContaining("at least 1");
    }

    @Test
    void userDataOverHetznersLimitIsRefused() {
        String big = "#cloud-config\nwrite_files:\n  - path: /x\n    content: |\n      ${RGRID_WORKER_UNIT}\n";
        assertThatThrownBy(() -> CloudInitTemplate.of(big, "x".repeat(40_000), "").render(Settings.withoutRay()))
                .hasMessageContaining("at most 32768");
    }
}
