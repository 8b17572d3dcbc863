package io.rgrid.model.event;

/**
 * A kind of worker the grid can run: a Hetzner server type (sizes and price from
 * {@code GET /server_types}), or what a {@code local} agent offers.
 *
 * @param name           the type's name, e.g. {@code cx33}; what {@code --machine} names
 * @param cpus           CPUs a worker of this type offers to executions
 * @param memoryMb       memory in MiB a worker of this type offers to executions
 * @param hourlyPriceEur EUR per started billing hour (VAT included); 0 when free or unknown
 */
public record MachineType(String name, double cpus, int memoryMb, double hourlyPriceEur) {

    /** True when an execution asking {@code cpus} and {@code memoryMb} fits on an empty worker of this type. */
    public boolean holds(double cpus, int memoryMb) {
        // A small tolerance: fractional CPUs summed in floating point must not refuse an exact fit.
        return this.cpus + 1e-9 >= cpus && this.memoryMb >= memoryMb;
    }
}
