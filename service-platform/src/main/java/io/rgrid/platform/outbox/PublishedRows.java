package io.rgrid.platform.outbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which rows of a pass count as published, given each row's key and the broker's answer, in id
 * order: every acknowledged row whose key had no failure before it. After a key's first failure
 * none of its later rows is marked, even if acknowledged: the next pass sends the failed row again
 * and everything of that key behind it, so a key's events never get a hole (a duplicate is
 * harmless, consumers are idempotent). Other keys are not held back by it. A pure decision.
 *
 * <p>A row acknowledged after an earlier failed row of its key is counted as {@code overtaken}:
 * its event reached Kafka ahead of an earlier one. The idempotent producer keeps a partition's
 * order only while no batch fails: when one expires it bumps its epoch and writes the batches
 * behind it (a fresh partition's first batch has been seen to stall so in CI). The next pass sends
 * the failed row and everything after it again, in order, so the last copy of each event is in
 * order; consumers see an earlier state late and their rules ignore it (api-service's
 * {@code StatusDecision}).
 *
 * @param published the indexes (into the pass's rows) to mark published, ascending
 * @param failure   the first failure of the pass; null when every row was acknowledged
 * @param overtaken how many acknowledged rows came after a failed row of their key
 */
public record PublishedRows(List<Integer> published, Throwable failure, int overtaken) {

    /**
     * @param keys     each row's record key
     * @param outcomes each row's answer, same order: null when acknowledged, else the failure
     */
    public static PublishedRows of(List<String> keys, List<Throwable> outcomes) {
        List<Integer> published = new ArrayList<>(outcomes.size());
        Set<String> failedKeys = new HashSet<>();
        Throwable first = null;
        int overtaken = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            String key = keys.get(i);
            Throwable outcome = outcomes.get(i);
            if (outcome != null) {
                failedKeys.add(key);
                first = first == null ? outcome : first;
            } else if (failedKeys.contains(key)) {
                overtaken++;
            } else {
                published.add(i);
            }
        }
        return new PublishedRows(List.copyOf(published), first, overtaken);
    }

    public boolean failed() {
        return failure != null;
    }
}
