package io.rgrid.cli.command;

import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.core.VersionInfo;
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
            Map<String, String> info = new LinkedHashMap<>();
            info.put("version", VersionInfo.version());
            info.put("java", Runtime.version().toString());
            JsonOut.print(context().out(), info);
            return ExitCodes.OK;
        }
        for (String line : new Provider().getVersion()) {
            context().out().println(line);
        }
        return ExitCodes.OK;
    }

    /** The version lines of {@link VersionInfo}, for picocli's {@code --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return VersionInfo.lines();
        }
    }
}
