package io.rgrid.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CommandTreeTest {

    private static final Set<String> NAMES = Set.of("run", "status", "logs", "local", "help", "completion", "version");

    @ParameterizedTest(name = "rgrid {0} -> {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // the named subcommand alone, in full
            "run hello.py                          | ONE       | run",
            "run status                            | ONE       | run",
            "--debug run hello.py                  | ONE       | run",
            "--api-url http://h:1 status ID        | ONE       | status",
            "--api-url=http://h:1 logs -f ID       | ONE       | logs",
            "--api-key run status ID               | ONE       | status",
            "local up --api-port 8000              | ONE       | local",
            "run --help                            | ONE       | run",
            // no subcommand named: summaries for the list of commands and suggestions
            "--help                                | SUMMARIES | -",
            "-h                                    | SUMMARIES | -",
            "--version                             | SUMMARIES | -",
            "''                                    | SUMMARIES | -",
            "stat ID                               | SUMMARIES | -",
            // the whole tree: help and completion read it, and a name where it is not expected
            "help run                              | FULL      | -",
            "completion bash                       | FULL      | -",
            "--debug help                          | FULL      | -",
            "-- run                                | FULL      | -",
            "--unknown run                         | ONE       | run",
            "--api-url run                         | FULL      | -",
            "--api-url status run x.py             | ONE       | run",
    })
    void buildsOnlyWhatTheCommandLineNeeds(String line, CommandTree.Shape shape, String name) {
        String[] args = line.isBlank() ? new String[0] : line.trim().split("\\s+");
        CommandTree.Plan plan = CommandTree.plan(args, NAMES);
        assertThat(plan).isEqualTo(new CommandTree.Plan(shape, name));
    }

    @ParameterizedTest(name = "{0}: builds {1} in full: {2}")
    @CsvSource(delimiter = '|', value = {
            "ONE       | run    | run    | true",
            "ONE       | run    | status | false",
            "FULL      |        | status | true",
            "SUMMARIES |        | run    | false",
    })
    void buildsInFullOnlyThePlannedSubcommands(CommandTree.Shape shape, String name, String subcommand, boolean full) {
        assertThat(new CommandTree.Plan(shape, name).buildsInFull(subcommand)).isEqualTo(full);
    }
}
