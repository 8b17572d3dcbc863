package io.rgrid.cli.command;

import io.rgrid.cli.core.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rgrid version} (also {@code rgrid --version}). */
@Command(name = "version", description = "Print the CLI's version and the Java it runs on.")
public final class VersionCommand extends CommandSupport implements Callable<Integer> {

    @Option(names = "--json", description = "Print {\"version\": ..., \"java\": ...}.")
    boolean json;

    @Override
    public Integer call() {
        if (json) {
            String version = VersionCommand.class.getPackage().getImplementationVersion();
            Map<String, String> info = new LinkedHashMap<>();
            info.put("version", version);
            info.put("java", Runtime.version().toString());
            JsonOut.print(context().out(), info);
            return ExitCodes.OK;
        }
        for (String line : new Provider().getVersion()) {
            context().out().println(line);
        }
        return ExitCodes.OK;
    }

    /** Reads the version the build wrote into the jar's manifest. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = VersionCommand.class.getPackage().getImplementationVersion();
            return new String[]{
                    "rgrid " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
            };
        }
    }
}
