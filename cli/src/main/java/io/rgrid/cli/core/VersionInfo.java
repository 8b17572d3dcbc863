package io.rgrid.cli.core;

/** The CLI's version (from the jar's manifest) and the Java it runs on: {@code rgrid --version}, {@code rgrid version}. */
public final class VersionInfo {

    private VersionInfo() {
    }

    /** The version the build wrote into the jar's manifest; null when the classes do not come from the jar. */
    public static String version() {
        return VersionInfo.class.getPackage().getImplementationVersion();
    }

    /** The two lines {@code rgrid --version} prints. */
    public static String[] lines() {
        String version = version();
        return new String[]{
                "rgrid " + (version == null ? "(development build)" : version),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
