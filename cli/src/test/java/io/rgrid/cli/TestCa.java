package io.rgrid.cli;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A private CA and a server certificate it signed (for {@code localhost} and {@code 127.0.0.1}),
 * made by the JDK's keytool in a directory of the test's, as an operator makes them with openssl:
 * {@link #caPem()} is what the CLI is given, {@link #serverContext()} what the HTTPS server presents.
 */
final class TestCa {

    private static final String PASSWORD = "test-only";

    private final Path dir;

    private TestCa(Path dir) {
        this.dir = dir;
    }

    /** A CA alone (caPem): one that signed nothing the test serves. */
    static TestCa caOnly(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCa ca = new TestCa(dir);
        ca.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=RGrid Test CA", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        ca.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        return ca;
    }

    /** A CA (caPem) and, signed by it, the server's key and chain (server.p12). */
    static TestCa create(Path dir) throws IOException, InterruptedException {
        TestCa ca = caOnly(dir);
        ca.keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-validity", "2", "-keystore", "server.p12");
        ca.keytool("-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
        ca.keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile",
                "server.pem", "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth", "-validity", "2");
        ca.keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", "server.p12", "-file", "ca.pem");
        ca.keytool("-importcert", "-alias", "server", "-keystore", "server.p12", "-file", "server.pem");
        return ca;
    }

    /** The CA certificate, PEM. */
    Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** TLS for a server presenting the certificate this CA signed. */
    SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
