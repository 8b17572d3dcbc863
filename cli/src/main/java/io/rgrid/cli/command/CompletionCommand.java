package io.rgrid.cli.command;

import io.rgrid.cli.core.CliException;
import io.rgrid.cli.core.ExitCodes;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code rgrid completion bash|zsh}: prints picocli's completion script. */
@Command(name = "completion",
        description = "Print a shell completion script (bash; zsh loads it through bashcompinit).",
        footerHeading = "%n",
        footer = {"Examples:",
                "  source <(rgrid completion bash)                    this shell",
                "  rgrid completion bash > ~/.local/share/bash-completion/completions/rgrid",
                "  zsh: autoload -U +X bashcompinit && bashcompinit",
                "       source <(rgrid completion zsh)"})
public final class CompletionCommand extends CommandSupport implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SHELL", defaultValue = "bash", description = "bash (default) or zsh.")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw CliException.usage("completion scripts exist for bash and zsh, not '" + shell + "'");
        }
        context().out().print(AutoComplete.bash("rgrid", spec.root().commandLine()));
        context().out().flush();
        return ExitCodes.OK;
    }
}
