package io.rgrid.cli;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.config.ClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI against a real HTTPS server (the JDK's, with {@link FakeApi}'s answers) whose certificate
 * a private CA signed, made by keytool: trusted with the CA from --ca-cert, RGRID_CA_CERT or the
 * config file ({@code rgrid init --ca-cert}), refused without it or with another CA, and a bad
 * CA file is a one-line usage error that names the setting.
 */
class CaCertTest {

    @TempDir
    static Path cas;
    private static TestCa ca;
    private static TestCa otherCa;

    @TempDir
    Path dir;

    private FakeApi api;
    private Map<String, String> env;
    private Path script;

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = TestCa.create(cas.resolve("ca"));
        otherCa = TestCa.caOnly(cas.resolve("other"));
    }

    @BeforeEach
    void start() throws Exception {
        api = new FakeApi(ca.serverContext()).sse(true)
                .outputs(Map.of("result.txt", "42\n".getBytes(StandardCharsets.UTF_8)));
        env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put(ClientConfig.ENV_API_URL, api.url());
        env.put(ClientConfig.ENV_API_KEY, FakeApi.KEY);
        script = Files.writeString(dir.resolve("hello.py"), "print('hello')\n");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private CliRun rgrid(String... args) {
        return CliRun.run(env, args);
    }

    @Test
    void runWithTheCaFromTheFlagUploadsFollowsTheLiveLogAndDownloadsOverTls() {
        Path out = dir.resolve("out");
        CliRun run = rgrid("--ca-cert", ca.caPem().toString(), "run", script.toString(), "-o", out.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(api.url()).startsWith("https://");
        assertThat(api.submissions).hasSize(1);
        assertThat(run.out()).contains("hello from the grid");
        assertThat(api.requests).anyMatch(r -> r.endsWith("/logs?follow=true"));
        assertThat(out.resolve("result.txt")).hasContent("42");
    }

    @Test
    void withoutTheCaTheCertificateIsRefusedAndNothingIsSent() {
        CliRun run = rgrid("run", script.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).contains("certificate not trusted: pass --ca-cert or set RGRID_CA_CERT");
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(api.requests).isEmpty();
    }

    @Test
    void anotherCaDoesNotMakeTheCertificateTrusted() {
        env.put(ClientConfig.ENV_CA_CERT, otherCa.caPem().toString());
        CliRun run = rgrid("list");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.API);
        assertThat(run.err()).contains("certificate not trusted: pass --ca-cert or set RGRID_CA_CERT")
                .contains("RGRID_CA_CERT=" + otherCa.caPem() + " did not sign it");
        assertThat(api.requests).isEmpty();
    }

    @Test
    void theEnvironmentVariableAndTheFlagBeforeIt() {
        env.put(ClientConfig.ENV_CA_CERT, ca.caPem().toString());
        api.existing(ExecutionState.SUCCEEDED);
        assertThat(rgrid("list").exitCode()).isZero();

        // The flag wins over the variable: another CA there is refused, whatever the variable says.
        CliRun flag = rgrid("list", "--ca-cert", otherCa.caPem().toString());
        assertThat(flag.exitCode()).isEqualTo(ExitCodes.API);
        assertThat(flag.err()).contains("--ca-cert " + otherCa.caPem() + " did not sign it");
    }

    @Test
    void initStoresTheCaInTheConfigFileAndLaterCommandsUseIt() throws Exception {
        env.remove(ClientConfig.ENV_API_URL);
        env.remove(ClientConfig.ENV_API_KEY);
        CliRun init = rgrid("init", "--api-url", api.url(), "--api-key", FakeApi.KEY, "--ca-cert", ca.caPem().toString());
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Path config = dir.resolve("config/rgrid/config.json");
        assertThat(ClientConfig.read(config).caCert()).isEqualTo(ca.caPem().toAbsolutePath().toString());

        api.existing(ExecutionState.SUCCEEDED);
        CliRun list = rgrid("list");
        assertThat(list.exitCode()).as(list.toString()).isZero();

        // RGRID_CA_CERT wins over the file's caCert.
        env.put(ClientConfig.ENV_CA_CERT, otherCa.caPem().toString());
        assertThat(rgrid("list").exitCode()).isEqualTo(ExitCodes.API);
    }

    @Test
    void aMissingUnreadableOrNonPemFileIsAOneLineUsageErrorNamingTheSetting() throws Exception {
        Path missing = dir.resolve("nope.pem");
        Path notPem = Files.writeString(dir.resolve("key.txt"), "just some text\n");
        Path brokenPem = Files.writeString(dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");

        assertUsage(rgrid("--ca-cert", missing.toString(), "list"), "rgrid: --ca-cert " + missing + ": no such file");
        assertUsage(rgrid("list", "--ca-cert", notPem.toString()),
                "rgrid: --ca-cert " + notPem + ": not a PEM certificate (no -----BEGIN CERTIFICATE----- line)");
        assertUsage(rgrid("list", "--ca-cert", brokenPem.toString()),
                "rgrid: --ca-cert " + brokenPem + ": not a valid PEM certificate");
        env.put(ClientConfig.ENV_CA_CERT, missing.toString());
        assertUsage(rgrid("run", script.toString()), "rgrid: RGRID_CA_CERT=" + missing + ": no such file");
        env.remove(ClientConfig.ENV_CA_CERT);

        if (!"root".equals(System.getProperty("user.name"))) { // root reads a 000 file
            Path unreadable = Files.copy(ca.caPem(), dir.resolve("unreadable.pem"));
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            assertUsage(rgrid("list", "--ca-cert", unreadable.toString()),
                    "rgrid: --ca-cert " + unreadable + ": cannot read it (permission denied)");
        }
        Path config = dir.resolve("config/rgrid/config.json");
        new ClientConfig(api.url(), FakeApi.KEY, "missing.pem").write(config);
        env.remove(ClientConfig.ENV_API_URL);
        assertUsage(rgrid("list"), "rgrid: caCert " + config.getParent().resolve("missing.pem") + " in " + config
                + ": no such file");
        assertThat(api.requests).isEmpty();
    }

    @Test
    void initRefusesABadCaFileAndWritesNothing() {
        Path missing = dir.resolve("nope.pem");
        CliRun init = rgrid("init", "--api-url", api.url(), "--api-key", FakeApi.KEY, "--ca-cert", missing.toString());

        assertUsage(init, "rgrid: --ca-cert " + missing + ": no such file");
        assertThat(dir.resolve("config/rgrid/config.json")).doesNotExist();
    }

    private static void assertUsage(CliRun run, String line) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err().strip().lines()).as(run.toString()).hasSize(1);
        assertThat(run.err()).startsWith(line);
    }
}
