package io.rgrid.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/state-machine.md's Mermaid diagram must show exactly the transitions the code allows. */
class StateMachineDocTest {

    private static final Pattern EDGE = Pattern.compile("^\\s*([A-Z_]+)\\s*-->\\s*([A-Z_]+)\\b");

    @Test
    void diagramMatchesTheCode() throws IOException {
        Set<String> documented = new HashSet<>();
        for (String line : Files.readAllLines(RepoRoot.get().resolve("docs/state-machine.md"))) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                documented.add(m.group(1) + "->" + m.group(2));
            }
        }
        Set<String> allowed = new HashSet<>();
        for (ExecutionState from : ExecutionState.values()) {
            for (ExecutionState to : ExecutionStateMachine.next(from)) {
                allowed.add(from + "->" + to);
            }
        }
        assertThat(documented).isEqualTo(allowed);
    }
}
