package io.rgrid.cli;

import io.rgrid.cli.command.RgridCommand;
import io.rgrid.cli.core.CliContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The help texts the build stored ({@link StoredHelpProcessor} at compile time, in target/classes)
 * are picocli's own answers, for every help command line of every command, plain and coloured; the
 * entry point prints them only for exactly those lines and leaves the rest to picocli.
 */
class StoredHelpTest {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void everyStoredTextIsWhatPicocliPrints() {
        List<String[]> lines = StoredHelpWriter.commandLines();
        for (String[] line : lines) {
            CliRun picocli = CliRun.run(NO_ENV, line);
            assertThat(picocli.exitCode()).as(String.join(" ", line)).isZero();
            assertThat(StoredHelp.text(line, false)).as(String.join(" ", line)).isEqualTo(picocli.out());
        }
    }

    @Test
    void everyColouredTextIsWhatPicocliPrintsOnATerminal() {
        String before = System.getProperty("picocli.ansi");
        System.setProperty("picocli.ansi", "true");
        try {
            for (String[] line : StoredHelpWriter.commandLines()) {
                CliRun picocli = CliRun.run(NO_ENV, line);
                assertThat(picocli.out()).as(String.join(" ", line)).contains("\u001B[");
                assertThat(StoredHelp.text(line, true)).as(String.join(" ", line)).isEqualTo(picocli.out());
            }
        } finally {
            if (before == null) {
                System.clearProperty("picocli.ansi");
            } else {
                System.setProperty("picocli.ansi", before);
            }
        }
    }

    /**
     * picocli wraps a description or footer line that does not fit its 80 columns, and the wrapped
     * tail starts a line of its own ("on stderr," / "exits" / "the"): every line we write fits.
     * The first description line is what {@code rgrid --help} lists for the command, so it ends a
     * sentence rather than breaking one.
     */
    @Test
    void everyDescriptionAndFooterLineFitsTheHelpWidth() {
        List<Class<?>> commands = new ArrayList<>();
        commands.add(RgridCommand.class);
        for (Class<?> type : RgridCommand.SUBCOMMANDS) {
            commands.add(type);
            commands.addAll(List.of(type.getAnnotation(Command.class).subcommands()));
        }
        List<String> tooLong = new ArrayList<>();
        for (Class<?> type : commands) {
            Command command = type.getAnnotation(Command.class);
            for (String text : concat(command.header(), command.description(), command.footer())) {
                for (String line : text.split("%n|\\n", -1)) {
                    if (line.length() > 79) {
                        tooLong.add(type.getSimpleName() + ": " + line);
                    }
                }
            }
            if (command.description().length > 0) {
                assertThat(command.description()[0]).as("%s: its line in rgrid --help", type.getSimpleName())
                        .doesNotEndWith(",");
            }
        }
        assertThat(tooLong).as("lines over 79 columns").isEmpty();
    }

    private static List<String> concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] part : parts) {
            all.addAll(List.of(part));
        }
        return all;
    }

    @Test
    void everyCommandAndSubcommandHasItsHelpStored() {
        for (Class<?> type : RgridCommand.SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            assertThat(StoredHelp.text(new String[]{command.name(), "--help"}, false)).as(command.name()).isNotNull();
            assertThat(StoredHelp.text(new String[]{"help", command.name()}, false)).as(command.name()).isNotNull();
            for (Class<?> sub : command.subcommands()) {
                String name = sub.getAnnotation(Command.class).name();
                assertThat(StoredHelp.text(new String[]{command.name(), name, "-h"}, false)).as(name).isNotNull();
            }
        }
        for (String[] root : List.of(new String[]{"--help"}, new String[]{"-h"}, new String[]{"help"})) {
            assertThat(StoredHelp.text(root, false)).startsWith("Usage: rgrid ");
        }
    }

    @Test
    void theEntryPointPrintsAStoredTextAndTheVersionWithoutPicocli() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(StoredHelp.answer(new String[]{"run", "--help"}, NO_ENV, CliContext.utf8(out))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(CliRun.run(NO_ENV, "run", "--help").out());

        out.reset();
        assertThat(StoredHelp.answer(new String[]{"--version"}, NO_ENV, CliContext.utf8(out))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(CliRun.run(NO_ENV, "--version").out());
    }

    @Test
    void anyOtherCommandLineGoesToPicocli() {
        List<String[]> others = List.of(
                new String[]{},
                new String[]{"run", "hello.py", "--help"},
                new String[]{"run", "--help", "x"},
                new String[]{"--debug", "--help"},
                new String[]{"--help", "--debug"},
                new String[]{"no-such-verb", "--help"},
                new String[]{"../etc/passwd"},
                new String[]{"help", "run", "extra"},
                new String[]{"status", "abc"},
                new String[]{"version"});
        for (String[] line : others) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(StoredHelp.answer(line, NO_ENV, CliContext.utf8(out))).as(Arrays.toString(line)).isEqualTo(-1);
            assertThat(out.size()).isZero();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(StoredHelp.answer(new String[]{"--help"}, Map.of("NO_COLOR", "1"), CliContext.utf8(out)))
                .as("a colour hint: picocli decides").isEqualTo(-1);
    }

    /** picocli's Ansi.AUTO on Linux/macOS: a colour hint or a picocli.* property defer to picocli, else the terminal decides. */
    @ParameterizedTest(name = "env {0}, picocli property {1}, terminal {2} -> {3}")
    @CsvSource(nullValues = "defer", value = {
            "'',              false, true,  true",
            "'',              false, false, false",
            "NO_COLOR,        false, true,  defer",
            "CLICOLOR,        false, false, defer",
            "CLICOLOR_FORCE,  false, false, defer",
            "ANSICON,         false, true,  defer",
            "ConEmuANSI,      false, true,  defer",
            "TERM,            false, true,  true",
            "'',              true,  true,  defer",
            "'',              true,  false, defer"})
    void colours(String variable, boolean picocliProperty, boolean terminal, Boolean expected) {
        Map<String, String> env = variable.isEmpty() ? NO_ENV : Map.of(variable, "1");
        assertThat(StoredHelp.colours(env, picocliProperty, terminal)).isEqualTo(expected);
    }
}
