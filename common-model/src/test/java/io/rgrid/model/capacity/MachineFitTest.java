package io.rgrid.model.capacity;

import io.rgrid.model.event.MachineType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MachineFitTest {

    static final MachineType CX23 = new MachineType("cx23", 2, 4096, 0.0057);
    static final MachineType CX33 = new MachineType("cx33", 4, 8192, 0.0095);
    static final MachineType CCX13 = new MachineType("ccx13", 2, 8192, 0.0267);

    private static List<MachineType> allowed(String names) {
        return Arrays.stream(names.split(" ")).filter(n -> !n.isEmpty())
                .map(n -> List.of(CX23, CX33, CCX13).stream().filter(t -> t.name().equals(n)).findFirst().orElseThrow())
                .toList();
    }

    /** allowed types, cpus, memory MiB, --machine ('-' for none) → candidates cheapest first ('-' for none). */
    @ParameterizedTest(name = "[{0}] {1} CPUs {2} MiB machine {3} → {4}")
    @CsvSource({
            "cx23 cx33,       1,    512, -,     cx23 cx33",
            "cx23 cx33,       2,   4096, -,     cx23 cx33",
            "cx23 cx33,       4,   1024, -,     cx33",
            "cx33 cx23,     2.5,   1024, -,     cx33",
            "cx23 cx33,       8,   1024, -,     -",
            "cx23 cx33,       1,  16384, -,     -",
            "cx23 cx33,       1,    512, cx33,  cx33",
            "cx23 cx33,       1,    512, cx43,  -",
            "cx23,            4,   1024, -,     -",
            "cx23 ccx13,      2,   8192, -,     ccx13",
            "cx23 ccx13 cx33, 2,   8192, -,     cx33 ccx13",
    })
    void candidatesAreTheTypesThatHoldItCheapestFirst(String types, double cpus, int memoryMb, String machine,
                                                      String expected) {
        List<String> names = MachineFit.candidates(allowed(types), cpus, memoryMb, "-".equals(machine) ? null : machine)
                .stream().map(MachineType::name).toList();
        assertThat(names).containsExactlyElementsOf("-".equals(expected) ? List.of() : List.of(expected.split(" ")));
    }

    /** allowed types ('-' for none known), cpus, memory MiB, --machine → the refusal ('-' for none). */
    @ParameterizedTest(name = "[{0}] {1} CPUs {2} MiB machine {3}")
    @CsvSource(delimiter = '|', value = {
            "cx23 cx33 | 2 | 1024  | -    | -",
            "-         | 64| 262144| -    | -",
            "-         | 1 | 512   | cx99 | -",
            "cx23      | 4 | 1024  | -    | no allowed machine type holds 4 CPUs and 1024 MiB: the largest the grid can run is 2 CPUs and 4096 MiB (cx23)",
            "cx23 cx33 | 8 | 1024  | -    | no allowed machine type holds 8 CPUs and 1024 MiB: the largest the grid can run is 4 CPUs and 8192 MiB (cx33)",
            "cx23 ccx13| 4 | 1024  | -    | no allowed machine type holds 4 CPUs and 1024 MiB: the largest the grid can run is 2 CPUs (cx23) and 8192 MiB (ccx13)",
            "cx23 cx33 | 1 | 512   | cx99 | machine type 'cx99' is not allowed on this grid (allowed: cx23, cx33)",
            "cx23 cx33 | 4 | 512   | cx23 | machine type cx23 offers 2 CPUs and 4096 MiB, less than the 4 CPUs and 512 MiB asked for",
    })
    void aRequestNoAllowedTypeCanHoldIsRefusedNamingTheLimit(String types, double cpus, int memoryMb, String machine,
                                                             String expected) {
        List<MachineType> allowed = "-".equals(types.strip()) ? List.of() : allowed(types.strip());
        String refusal = MachineFit.refusal(allowed, cpus, memoryMb, "-".equals(machine.strip()) ? null : machine.strip())
                .orElse("-");
        assertThat(refusal).isEqualTo(expected.strip());
    }
}
