package io.rgrid.scaling;

import io.rgrid.model.event.MachineType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The type choice as a table: queue, workers and allowed types in; where each execution goes out. */
class MachineChoiceTest {

    static final List<MachineType> CATALOG = List.of(
            new MachineType("cx23", 2, 4096, 0.0057),
            new MachineType("cx33", 4, 8192, 0.0095),
            new MachineType("cx43", 8, 16384, 0.0171),
            new MachineType("ccx13", 2, 8192, 0.0267));

    /**
     * allowed types; workers as {@code id:type:cpus:memory}; queue as {@code cpus/memory[/machine]} oldest
     * first → per execution where it goes ({@code worker id}, {@code +type} for a new machine, {@code !}
     * for unschedulable), and the machines to create.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                            | allowed        | workers                  | queue                  | goes to            | create
            small job, nothing up: cheapest type              | cx23 cx33      | -                        | 1/512                  | +cx23              | cx23
            4 CPUs with cx23 and cx33 allowed: a cx33         | cx23 cx33      | -                        | 4/1024                 | +cx33              | cx33
            4 CPUs with only cx23 allowed: unschedulable      | cx23           | -                        | 4/1024                 | !                  | -
            too much memory for every type                    | cx23 cx33      | -                        | 1/16384                | !                  | -
            small job packs onto the running cx23             | cx23 cx33      | w1:cx23:2:4096           | 1/512                  | w1                 | -
            small job packs onto a booting cx33 first         | cx23 cx33      | w1:cx33:4:8192           | 1/512                  | w1                 | -
            large job next to a cx23: a new cx33              | cx23 cx33      | w1:cx23:2:4096           | 4/1024                 | +cx33              | cx33
            large then small: the small one shares the cx33   | cx23 cx33      | -                        | 4/1024 1/512           | +cx33 +cx33        | cx33
            small then large: one of each                     | cx23 cx33      | -                        | 1/512 4/1024           | +cx23 +cx33        | cx23 cx33
            two large: one cx33 chosen, both wait for it      | cx23 cx33      | -                        | 4/1024 4/2048          | +cx33 +cx33        | cx33
            memory-heavy 2 CPUs: cx33 is cheaper than ccx13   | cx23 cx33 ccx13| -                        | 2/8192                 | +cx33              | cx33
            insists on cx33 although cx23 would hold it       | cx23 cx33      | w1:cx23:2:4096           | 1/512/cx33             | +cx33              | cx33
            insists on cx33 and a cx33 runs                   | cx23 cx33      | w1:cx23:2:4096 w2:cx33:4:8192 | 1/512/cx33        | w2                 | -
            insists on a type that is not allowed             | cx23 cx33      | -                        | 1/512/cx43             | !                  | -
            insists on a type too small for it                | cx23 cx33      | -                        | 4/512/cx23             | !                  | -
            a worker of a withdrawn type still takes work     | cx23           | w1:cx33:4:8192           | 1/512                  | w1                 | -
            a worker of unknown size takes nothing            | cx23           | w1:-:0:0                 | 1/512                  | +cx23              | cx23
            a larger worker than any allowed type still runs it | cx23         | w1:cx43:8:16384          | 8/512 16/512           | w1 !               | -
            unschedulable does not block the next one         | cx23           | -                        | 8/512 1/512            | ! +cx23            | cx23
            """)
    void choosesWhereEachQueuedExecutionRuns(String name, String allowed, String workers, String queue, String goesTo,
                                             String create) {
        List<MachineType> types = Arrays.stream(allowed.split(" "))
                .map(n -> CATALOG.stream().filter(t -> t.name().equals(n)).findFirst().orElseThrow()).toList();
        List<MachineChoice.Host> hosts = new ArrayList<>();
        for (String w : words(workers)) {
            String[] f = w.split(":");
            hosts.add(new MachineChoice.Host(f[0], "-".equals(f[1]) ? null : f[1], Double.parseDouble(f[2]),
                    Integer.parseInt(f[3])));
        }
        List<MachineChoice.Demand> demands = new ArrayList<>();
        for (String q : words(queue)) {
            String[] f = q.split("/");
            demands.add(new MachineChoice.Demand(UUID.randomUUID(), Double.parseDouble(f[0]), Integer.parseInt(f[1]),
                    f.length > 2 ? f[2] : null));
        }

        MachineChoice.Outcome outcome = MachineChoice.choose(demands, hosts, types);

        List<String> where = demands.stream().map(d -> {
            MachineChoice.Fit fit = outcome.fitOf(d.executionId());
            if (fit == null) {
                assertThat(outcome.unschedulable()).as(name).anySatisfy(r -> {
                    assertThat(r.executionId()).isEqualTo(d.executionId());
                    assertThat(r.reason()).isNotBlank();
                });
                return "!";
            }
            return fit.workerId() != null ? fit.workerId() : "+" + fit.type();
        }).toList();
        assertThat(where).as(name).containsExactlyElementsOf(words(goesTo));
        assertThat(outcome.provision()).as(name).extracting(m -> m.type().name())
                .containsExactlyElementsOf(words(create));
    }

    private static List<String> words(String cell) {
        return "-".equals(cell.strip()) ? List.of() : List.of(cell.strip().split(" +"));
    }
}
