package io.rgrid.platform.outbox;

import java.util.List;

/**
 * Which rows of a pass count as published, given the broker's answer for each row in id order.
 * Only the rows before the first failure: a later row that was acknowledged is sent again with
 * the failed one on the next pass, so no key's events are ever marked past a gap (consumers
 * are idempotent; a duplicate is harmless, a hole in a key's order is not). A pure decision.
 *
 * @param published how many leading rows to mark published
 * @param failure   why the first unacknowledged row failed; null when every row was acknowledged
 */
public record PublishedPrefix(int published, Throwable failure) {

    /** @param outcomes one per row in id order: null when acknowledged, else the failure */
    public static PublishedPrefix of(List<Throwable> outcomes) {
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) != null) {
                return new PublishedPrefix(i, outcomes.get(i));
            }
        }
        return new PublishedPrefix(outcomes.size(), null);
    }

    public boolean failed() {
        return failure != null;
    }
}
