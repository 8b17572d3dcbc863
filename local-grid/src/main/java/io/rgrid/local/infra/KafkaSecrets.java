package io.rgrid.local.infra;

import io.rgrid.model.KafkaPrincipals;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The TLS key and the SCRAM passwords of one local broker, generated the first time its data
 * directory is used and kept there (mode 0600) for its next starts: {@code ca.pem} (the broker's
 * self-signed certificate, which clients trust; {@code CN=rgrid-kafka}, valid for 127.0.0.1 and
 * localhost), {@code broker.p12} (its key) and {@code secrets.properties} (the key store's password
 * and one password per {@link KafkaPrincipals#ALL} user). The key pair comes from the JDK's
 * {@code keytool}, next to the java binary running this JVM; the password reaches it through its
 * environment, never its arguments.
 */
public record KafkaSecrets(Path caFile, Path keystore, String keystorePassword, Map<String, String> passwords) {

    /** The broker's TLS identity; its controller listener admits only this certificate. */
    public static final String TLS_NAME = "CN=rgrid-kafka";
    private static final String SECRETS = "secrets.properties";
    private static final String PASSWORD_ENV = "RGRID_KEYSTORE_PASSWORD";

    /** True when {@code dir} holds the secrets a broker formatted there was given. */
    public static boolean existIn(Path dir) {
        return Files.exists(dir.resolve(SECRETS)) && Files.exists(dir.resolve("broker.p12")) && Files.exists(dir.resolve("ca.pem"));
    }

    /** Loads the secrets of {@code dir}, generating them first when it has none. */
    public static KafkaSecrets loadOrCreate(Path dataDir) {
        Path dir = dataDir.toAbsolutePath(); // clients in other working directories read the CA by this path
        try {
            if (!existIn(dir)) {
                create(dir);
            }
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(dir.resolve(SECRETS))) {
                p.load(in);
            }
            Map<String, String> passwords = new LinkedHashMap<>();
            for (String user : KafkaPrincipals.ALL) {
                passwords.put(user, p.getProperty("user." + user));
            }
            return new KafkaSecrets(dir.resolve("ca.pem"), dir.resolve("broker.p12"), p.getProperty("keystore.password"),
                    Map.copyOf(passwords));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka broker's TLS key and passwords in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The SCRAM password of {@code user}. */
    public String password(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka user " + user + "; there are " + passwords.keySet());
        }
        return password;
    }

    /**
     * The storage tool's arguments that add every user at format time, and the
     * {@link KafkaPrincipals#SCRAM_ANCHOR} with a random password no one keeps.
     */
    public List<String> scramFormatArguments() {
        List<String> args = new ArrayList<>(List.of("--add-scram",
                "SCRAM-SHA-512=[name=" + KafkaPrincipals.SCRAM_ANCHOR + ",password=" + InfraServers.randomSecret(24) + "]"));
        passwords.forEach((user, password) -> {
            args.add("--add-scram");
            args.add("SCRAM-SHA-512=[name=" + user + ",password=" + password + "]");
        });
        return args;
    }

    private static void create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        String keystorePassword = InfraServers.randomSecret(16);
        p.setProperty("keystore.password", keystorePassword);
        for (String user : KafkaPrincipals.ALL) {
            p.setProperty("user." + user, InfraServers.randomSecret(24));
        }
        Path keystore = dir.resolve("broker.p12");
        Files.deleteIfExists(keystore);
        keytool(keystorePassword, "-genkeypair", "-alias", "rgrid-kafka", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", TLS_NAME, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "3650",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass:env", PASSWORD_ENV);
        keytool(keystorePassword, "-exportcert", "-rfc", "-alias", "rgrid-kafka", "-keystore", keystore.toString(),
                "-storepass:env", PASSWORD_ENV, "-file", dir.resolve("ca.pem").toString());
        Path secrets = dir.resolve(SECRETS);
        Files.deleteIfExists(secrets);
        Files.createFile(secrets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer out = Files.newBufferedWriter(secrets)) {
            p.store(out, "Kafka broker secrets, generated by local-grid (KafkaSecrets); never share");
        }
        Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
    }

    private static void keytool(String password, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(ManagedProcess.javaBinary()).resolveSibling("keytool").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_ENV, password);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaSecrets[caFile=" + caFile + ", users=" + passwords.keySet() + "]";
    }
}
