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
 * @param published the indexes (into the pass's rows) to mark published, ascending
 * @param failure   the first failure of the pass; null when every row was acknowledged
 */
public record PublishedRows(List<Integer> published, Throwable failure) {

    /**
     * @param keys     each row's record key
     * @param outcomes each row's answer, same order: null when acknowledged, else the failure
     */
    public static PublishedRows of(List<String> keys, List<Throwable> outcomes) {
        List<Integer> published = new ArrayList<>(outcomes.size());
        Set<String> failedKeys = new HashSet<>();
        Throwable first = null;
        for (int i = 0; i < outcomes.size(); i++) {
            String key = keys.get(i);
            Throwable outcome = outcomes.get(i);
            if (outcome != null) {
                failedKeys.add(key);
                first = first == null ? outcome : first;
            } else if (!failedKeys.contains(key)) {
                published.add(i);
            }
        }
        return new PublishedRows(List.copyOf(published), first);
    }

    public boolean failed() {
        return failure != null;
    }
}
