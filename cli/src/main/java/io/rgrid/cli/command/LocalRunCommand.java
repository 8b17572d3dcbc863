package io.rgrid.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code rgrid local run SCRIPT}: {@code local up}, then {@code run} against the grid it started. */
@Command(name = "run",
        description = {
                "Start the local grid if needed, then run a script on it.",
                "Runs local up, then rgrid run: same options, same output and exit code."})
public final class LocalRunCommand extends CommandSupport implements Callable<Integer> {

    @Mixin
    RunOptions options;

    @Override
    public Integer call() {
        // Check the files before starting a grid for a script that is not there.
        options.validate();
        int up = LocalGrid.run(context(), "up", List.of());
        if (up != 0) {
            return up;
        }
        // api() resolves the settings only now: local up has just written the config file.
        return RunCommand.submitAndFollow(this, options, System.nanoTime());
    }
}
