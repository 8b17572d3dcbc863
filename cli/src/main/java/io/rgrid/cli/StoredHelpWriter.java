package io.rgrid.cli;

import io.rgrid.cli.command.RgridCommand;
import io.rgrid.cli.core.CliContext;
import picocli.CommandLine;
import picocli.CommandLine.Help;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the texts {@link StoredHelp} prints: runs every help command line through picocli
 * ({@link CommandLineRunner}, the tree and settings of a real run), once without and once with
 * colours, and keeps what it printed. Run at build time by {@link StoredHelpProcessor}; the tests
 * compare each stored text with picocli's answer.
 */
final class StoredHelpWriter {

    private StoredHelpWriter() {
    }

    /** The help command lines: {@code --help}, {@code -h}, {@code help}, {@code help CMD} and {@code CMD... --help|-h}. */
    static List<String[]> commandLines() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[]{"--help"});
        lines.add(new String[]{"-h"});
        lines.add(new String[]{"help"});
        CommandLine tree = CommandLineRunner.commandLine(new String[]{"help"}, root());
        for (String name : tree.getSubcommands().keySet()) {
            lines.add(new String[]{"help", name});
        }
        addSubcommandLines(tree, new ArrayList<>(), lines);
        return lines;
    }

    private static void addSubcommandLines(CommandLine command, List<String> path, List<String[]> lines) {
        for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(sub.getKey());
            for (String option : List.of("--help", "-h")) {
                List<String> line = new ArrayList<>(subPath);
                line.add(option);
                lines.add(line.toArray(String[]::new));
            }
            addSubcommandLines(sub.getValue(), subPath, lines);
        }
    }

    /**
     * Each help command line's text, under its resource name (file name plus {@link StoredHelp#PLAIN}
     * or {@link StoredHelp#ANSI}). A line picocli does not answer with usage (an exit code other
     * than 0, or anything on stderr) is left out, and goes to picocli at run time.
     */
    static Map<String, String> texts() {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String[] line : commandLines()) {
            String plain = picocliAnswer(line, Help.Ansi.OFF);
            String coloured = picocliAnswer(line, Help.Ansi.ON);
            if (plain != null && coloured != null) {
                texts.put(StoredHelp.resourceName(line) + StoredHelp.PLAIN, plain);
                texts.put(StoredHelp.resourceName(line) + StoredHelp.ANSI, coloured);
            }
        }
        return texts;
    }

    /** What picocli prints on stdout for {@code args} with colours {@code ansi}; null unless it is a usage text. */
    static String picocliAnswer(String[] args, Help.Ansi ansi) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = CliContext.forTest(Map.of(), CliContext.utf8(out), new PrintStream(err, true,
                StandardCharsets.UTF_8));
        RgridCommand root = new RgridCommand(context);
        int code;
        try {
            CommandLine commandLine = CommandLineRunner.commandLine(args, root);
            commandLine.setColorScheme(Help.defaultColorScheme(ansi));
            code = commandLine.execute(args);
        } finally {
            root.close();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        return code == 0 && err.size() == 0 && !text.isEmpty() ? text : null;
    }

    private static RgridCommand root() {
        PrintStream sink = CliContext.utf8(ByteArrayOutputStream.nullOutputStream());
        return new RgridCommand(CliContext.forTest(Map.of(), sink, sink));
    }
}
