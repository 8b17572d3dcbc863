package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The allowed list against what /server_types reports: sizes, prices in the grid's location, withdrawn types. */
class ServerTypeCatalogTest {

    private static ApiModel.ServerType type(String name, int cores, double memoryGb, boolean deprecated, String gross) {
        return new ApiModel.ServerType(1, name, cores, memoryGb, 40, deprecated, List.of(
                new ApiModel.Price("fsn1", new ApiModel.Amount("0.0010", "0.0012"), null),
                new ApiModel.Price("nbg1", new ApiModel.Amount("0.0040", gross), null)));
    }

    private static final List<ApiModel.ServerType> OFFER = List.of(
            type("cx22", 2, 4, true, "0.0071"),
            type("cx23", 2, 4, false, "0.0057"),
            type("cx33", 4, 8, false, "0.0095"));

    @Test
    void allowedTypesGetHetznersSizesAndThePriceInTheGridsLocation() {
        ServerTypeCatalog catalog = new ServerTypeCatalog(() -> OFFER, List.of("cx33", "cx23", "cx33"), "nbg1");

        assertThat(catalog.machineTypes()).containsExactly(new MachineType("cx33", 4, 8192, 0.0095),
                new MachineType("cx23", 2, 4096, 0.0057));
        assertThat(catalog.hourlyPrice("cx23", "fsn1")).isEqualTo(0.0012);
    }

    @Test
    void aTypeHetznerDoesNotOfferOrHasDeprecatedIsLeftOut() {
        ServerTypeCatalog catalog = new ServerTypeCatalog(() -> OFFER, List.of("cx22", "cx23", "cx99"), "nbg1");

        assertThat(catalog.machineTypes()).extracting(MachineType::name).containsExactly("cx23");
    }

    @Test
    void unknownWhileServerTypesNeverAnsweredAndNotAskedAgainAtEveryTick() {
        AtomicInteger calls = new AtomicInteger();
        ServerTypeCatalog catalog = new ServerTypeCatalog(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("unreachable");
        }, List.of("cx23"), "nbg1");

        assertThat(catalog.machineTypes()).isEmpty();
        assertThat(catalog.machineTypes()).isEmpty();
        assertThat(calls).hasValue(1);
    }

    @Test
    void theListDefaultsToTheServerTypeAndMayNotBeEmpty() {
        assertThat(ServerTypeCatalog.allowedNames(Optional.empty(), "cx23")).containsExactly("cx23");
        assertThat(ServerTypeCatalog.allowedNames(Optional.of(List.of(" cx23", "cx33 ", "")), "cx23"))
                .containsExactly("cx23", "cx33");
        assertThatThrownBy(() -> new ServerTypeCatalog(() -> OFFER, List.of(), "nbg1"))
                .hasMessageContaining("HETZNER_SERVER_TYPES");
    }
}
