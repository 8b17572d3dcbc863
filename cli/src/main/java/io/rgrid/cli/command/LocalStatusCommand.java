package io.rgrid.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rgrid local status}: delegated to the local-grid launcher, options passed through. */
@Command(name = "status", description = "Show whether the local grid runs, and its ports.")
public final class LocalStatusCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(paramLabel = "OPTION", description = "Passed to the local-grid launcher as they are.")
    List<String> passThrough = new ArrayList<>();

    @Override
    public Integer call() {
        return LocalGrid.run(context(), "status", passThrough);
    }
}
