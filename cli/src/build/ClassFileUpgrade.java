import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Rewrites the class files of the CLI's libraries that are older than Java 6 (version 50) as Java 8
 * ones (version 52), with the stack maps the JDK's type-checking verifier needs, so that the CLI's
 * ahead-of-time cache can hold them (src/build/aot-cache.sh runs this before its training run).
 *
 * <p>Why: the JDK verifies such old class files with its old inference verifier and does not store
 * them in an AOT cache or CDS archive ("Old class has been linked"), nor any class that implements
 * one of their interfaces. picocli ships Java 5 class files (it keeps Java 5 compatible), so every
 * command that parses arguments loaded and verified ~190 picocli classes from the jar and reflected
 * over its annotations uncached: ~140 ms of a hello {@code rgrid run} (cli/README.md, "The
 * ahead-of-time cache"). The bytecode itself is unchanged; only the version and the stack maps
 * (computed by {@code java.lang.classfile}) are added. Classes already at 50 or newer, and jars
 * without old classes, are left as they are, so a second run changes nothing.
 *
 * <p>Run as a source-file program on JDK 24+ (the class-file API is final there):
 * {@code java ClassFileUpgrade.java LIB_DIR}. Each jar is written beside itself and renamed over
 * the original only when every class in it was rewritten, so a failure leaves the original jar;
 * the exit status is then 1 and the CLI works as before, only without those classes cached.
 */
public final class ClassFileUpgrade {

    /** Class files older than this (Java 6) have no stack maps and are never cached. */
    private static final int FIRST_WITH_STACK_MAPS = ClassFile.JAVA_6_VERSION;

    /** What an old class becomes: Java 8, the oldest version every JDK the CLI runs on verifies by type checking. */
    private static final int TARGET = ClassFile.JAVA_8_VERSION;

    private ClassFileUpgrade() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java ClassFileUpgrade.java LIB_DIR");
            System.exit(2);
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        boolean failed = false;
        try (URLClassLoader libraries = new URLClassLoader(urls(jars), ClassLoader.getPlatformClassLoader())) {
            // Stack maps name the common supertype of two branches: resolve the libraries' own
            // classes from their jars, the JDK's from the JDK.
            ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(libraries))));
            for (Path jar : jars) {
                try {
                    int upgraded = upgrade(classFile, jar);
                    if (upgraded > 0) {
                        System.out.printf("class-file-upgrade: %s: %d class files from before Java 6 now Java 8%n",
                                jar.getFileName(), upgraded);
                    }
                } catch (RuntimeException | IOException e) {
                    failed = true;
                    System.err.printf("class-file-upgrade: %s left as it was: %s%n", jar.getFileName(), e);
                }
            }
        }
        System.exit(failed ? 1 : 0);
    }

    private static URL[] urls(List<Path> jars) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            urls.add(jar.toUri().toURL());
        }
        return urls.toArray(URL[]::new);
    }

    /** Rewrites the old classes of one jar; returns how many, 0 when it had none (the jar is not touched then). */
    private static int upgrade(ClassFile classFile, Path jar) throws IOException {
        try (JarFile in = new JarFile(jar.toFile(), false)) {
            if (in.stream().anyMatch(ClassFileUpgrade::isSignature)) {
                return 0; // a signed jar stays as signed: a rewritten class would fail its check
            }
        }
        Path rewritten = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int upgraded = 0;
        try (JarFile in = new JarFile(jar.toFile(), false);
             OutputStream file = Files.newOutputStream(rewritten);
             JarOutputStream out = new JarOutputStream(file)) {
            for (JarEntry entry : Collections.list(in.entries())) {
                byte[] bytes = in.getInputStream(entry).readAllBytes();
                if (isClass(entry)) {
                    ClassModel model = classFile.parse(bytes);
                    if (model.majorVersion() < FIRST_WITH_STACK_MAPS) {
                        bytes = classFile.transformClass(model, TO_TARGET_VERSION
                                // Rebuilding every method body is what makes the stack maps.
                                .andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
                        upgraded++;
                    }
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(rewritten);
            throw e;
        }
        if (upgraded == 0) {
            Files.delete(rewritten);
        } else {
            Files.move(rewritten, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return upgraded;
    }

    private static final ClassTransform TO_TARGET_VERSION = (builder, element) -> {
        if (element instanceof ClassFileVersion) {
            builder.withVersion(TARGET, 0);
        } else {
            builder.with(element);
        }
    };

    private static boolean isSignature(JarEntry entry) {
        String name = entry.getName();
        return name.startsWith("META-INF/") && (name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA")
                || name.endsWith(".EC"));
    }

    /** A class of the jar's own (module-info and multi-release versions are left alone). */
    private static boolean isClass(JarEntry entry) {
        String name = entry.getName();
        return name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class");
    }
}
