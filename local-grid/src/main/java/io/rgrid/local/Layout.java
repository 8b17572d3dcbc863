package io.rgrid.local;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built artifacts are. local-grid.jar lives in {@code <repo>/local-grid/target/}, with
 * its libraries (Kafka's among them) in {@code lib/} and S3Proxy in {@code s3proxy/} beside it;
 * the services' Quarkus apps are in {@code <repo>/<module>/target/quarkus-app/}.
 */
public record Layout(Path home, Path jarDir) {

    public static Layout detect() {
        Path jarDir;
        try {
            Path codeSource = Path.of(Layout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            jarDir = Files.isDirectory(codeSource) ? codeSource.getParent() : codeSource.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate local-grid.jar", e);
        }
        String home = System.getenv("RGRID_HOME");
        Path repo = home != null && !home.isBlank() ? Path.of(home) : jarDir.getParent().getParent();
        return new Layout(repo.toAbsolutePath().normalize(), jarDir.toAbsolutePath().normalize());
    }

    public Path libDir() {
        return jarDir.resolve("lib");
    }

    public Path s3proxyJar() {
        return jarDir.resolve("s3proxy").resolve("s3proxy.jar");
    }

    public Path localGridJar() {
        return jarDir.resolve("local-grid.jar");
    }

    public Path serviceJar(String module) {
        return home.resolve(module).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }

    /** @throws IllegalStateException naming what is missing and how to build it */
    public void requireServiceJars(String... modules) {
        for (String module : modules) {
            Path jar = serviceJar(module);
            if (!Files.exists(jar)) {
                throw new IllegalStateException(module + " is not built (" + jar + " is missing); run ./mvnw -DskipTests install in " + home);
            }
        }
    }
}
