package io.rgrid.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaPrincipalsTest {

    /**
     * The anchor works only while it is the first user change a metadata delta applies: a hash of
     * 0 puts it in bucket 0 of a HashMap of any size (see {@link KafkaPrincipals#SCRAM_ANCHOR}).
     */
    @Test
    void theScramAnchorHashesToZero() {
        assertThat(KafkaPrincipals.SCRAM_ANCHOR.hashCode()).isZero();
    }

    /** Nothing logs in as the anchor, so nothing may grant it anything or delete it as a worker. */
    @Test
    void theScramAnchorIsNoLoginNoSuperUserAndNoWorker() {
        assertThat(KafkaPrincipals.ALL).doesNotContain(KafkaPrincipals.SCRAM_ANCHOR);
        assertThat(KafkaPrincipals.superUsers()).doesNotContain(KafkaPrincipals.SCRAM_ANCHOR);
        assertThat(KafkaPrincipals.SCRAM_ANCHOR).doesNotStartWith(KafkaPrincipals.PROVISIONED_WORKER_PREFIX);
    }
}
