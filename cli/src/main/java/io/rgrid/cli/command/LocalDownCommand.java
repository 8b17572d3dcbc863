package io.rgrid.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rgrid local down}: delegated to the local-grid launcher, options passed through. */
@Command(name = "down", description = "Stop the local grid. --purge also deletes its data.")
public final class LocalDownCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(paramLabel = "OPTION",
            description = "Passed to the local-grid launcher as they are (e.g. --purge).")
    List<String> passThrough = new ArrayList<>();

    @Override
    public Integer call() {
        return LocalGrid.run(context(), "down", passThrough);
    }
}
