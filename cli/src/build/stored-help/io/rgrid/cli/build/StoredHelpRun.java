package io.rgrid.cli.build;

/**
 * The placeholder the compilation {@code stored-help} of cli/pom.xml compiles so that the compiler
 * runs io.rgrid.cli.StoredHelpProcessor (annotation processing only: nothing of it is packaged).
 */
final class StoredHelpRun {
}
