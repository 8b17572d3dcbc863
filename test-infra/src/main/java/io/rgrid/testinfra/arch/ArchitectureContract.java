package io.rgrid.testinfra.arch;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The architecture tests every module runs: a module's {@code ArchitectureTest} extends this and
 * says its {@link #shape()}; the rules live once, in {@link ModuleArchitecture}.
 */
public abstract class ArchitectureContract {

    /** The module's root package, the modules it may use, and the cycle edges still to be broken. */
    protected abstract ModuleArchitecture shape();

    /** The module's production sources, for the size rule; relative to the module's directory (Surefire's). */
    protected Path sources() {
        return Path.of("src", "main", "java");
    }

    @Test
    void usesOnlyTheModulesItDeclares() {
        shape().checkDependencies();
    }

    @Test
    void hasNoPackageCycleBeyondTheKnownEdges() {
        shape().checkNoPackageCycles();
    }

    @Test
    void decisionsAreFreeOfIo() {
        shape().checkDecisionsFreeOfIo();
    }

    @Test
    void hasNoClassOverTheSizeLimit() {
        shape().checkClassSizes(sources());
    }
}
