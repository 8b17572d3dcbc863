package io.rgrid.testinfra.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;

import java.util.List;

/**
 * What "free of I/O" means for a decision class (a policy, a planner, a state machine, an outcome
 * mapping): it may name exception types (to classify a failure) but uses no file, socket, HTTP,
 * database, Kafka, S3, Docker, SSH or process API. The caller reads the world and hands the
 * decision plain values; that is what lets a table test cover it.
 */
public final class IoFree {

    /** Class names that mark a decision; a decision class is named for what it decides. */
    public static final List<String> DECISION_SUFFIXES = List.of("Decision", "Policy", "Planner", "StateMachine");

    /** Packages whose use is I/O: the JDK's files, sockets, HTTP and JDBC, and the clients the services use. */
    public static final List<String> IO_PACKAGES = List.of(
            "java.io", "java.nio.file", "java.nio.channels", "java.net", "java.net.http", "java.sql", "javax.sql",
            "io.rgrid.platform.db", "org.apache.kafka", "io.smallrye.reactive.messaging", "io.minio", "okhttp3",
            "jakarta.ws.rs", "io.vertx", "com.github.dockerjava", "com.jcraft.jsch", "io.agroal");

    /** JDK classes outside those packages that start or reach other processes. */
    private static final List<String> IO_CLASSES = List.of(
            ProcessBuilder.class.getName(), Process.class.getName(), ProcessHandle.class.getName());

    static final DescribedPredicate<JavaClass> IO = new DescribedPredicate<>("use I/O (" + IO_PACKAGES + ")") {
        @Override
        public boolean test(JavaClass target) {
            String name = target.getName();
            if (IO_CLASSES.contains(name)) {
                return true;
            }
            String simple = target.getSimpleName();
            boolean exception = simple.endsWith("Exception") || simple.endsWith("Error");
            String packageName = target.getPackageName();
            return !exception && IO_PACKAGES.stream()
                    .anyMatch(p -> packageName.equals(p) || packageName.startsWith(p + "."));
        }
    };

    private IoFree() {
    }

    private static boolean isDecisionName(String simpleName) {
        return DECISION_SUFFIXES.stream().anyMatch(simpleName::endsWith);
    }

    static DescribedPredicate<JavaClass> decisions(String root, List<String> named) {
        return new DescribedPredicate<>("are decisions in " + root + " (named *" + DECISION_SUFFIXES + " or " + named + ")") {
            @Override
            public boolean test(JavaClass origin) {
                String name = origin.getName();
                String outer = name.split("\\$", 2)[0];
                return outer.startsWith(root + ".") && (named.contains(name) || named.contains(outer)
                        || isDecisionName(outer.substring(outer.lastIndexOf('.') + 1))
                        || isDecisionName(origin.getSimpleName()));
            }
        };
    }
}
