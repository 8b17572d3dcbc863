package io.rgrid.orchestrator.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * What the {@code local} provider's contract test starts in place of the worker-agent: a JVM that
 * writes its pid to {@value #PID_FILE} in its working directory (the worker's directory the provider
 * made) and then waits until it is stopped. The contract is about the provider's processes, not
 * the agent's behaviour (worker-agent's AgentProcessIT and the local grid cover that), and this
 * starts in a fraction of a second without Kafka. Only JDK classes: {@link #jar} packs this one
 * class into a runnable jar of its own.
 */
public final class StandInAgent {

    static final String PID_FILE = "stand-in.pid";

    private StandInAgent() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path tmp = Path.of(PID_FILE + ".tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        Files.move(tmp, Path.of(PID_FILE)); // whole or absent
        new CountDownLatch(1).await(); // until SIGTERM/SIGKILL ends the JVM
    }

    /** Writes {@code <dir>/stand-in-agent.jar}, runnable with {@code java -jar}, and returns its path. */
    static Path jar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, StandInAgent.class.getName());
        String entry = StandInAgent.class.getName().replace('.', '/') + ".class";
        Path jar = dir.resolve("stand-in-agent.jar");
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream classFile = StandInAgent.class.getResourceAsStream(StandInAgent.class.getSimpleName()
                     + ".class")) {
            if (classFile == null) {
                throw new IOException("cannot read " + entry + " from the test classpath");
            }
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
