package io.rgrid.model;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class IdsTest {

    @Test
    void executionIdsAreVersion7WithTheTimestampInFront() {
        long before = System.currentTimeMillis();
        UUID id = Ids.newExecutionId();
        long after = System.currentTimeMillis();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        long millis = id.getMostSignificantBits() >>> 16;
        assertThat(millis).isBetween(before, after);
    }

    @Test
    void executionIdsSortByCreationTime() {
        UUID earlier = Ids.uuidV7(1_700_000_000_000L);
        UUID later = Ids.uuidV7(1_700_000_000_001L);
        assertThat(earlier.toString()).isLessThan(later.toString());
    }

    @Test
    void workerIdsFollowTheSeedNaming() {
        String id = Ids.newWorkerId();
        assertThat(id).matches("rgrid-worker-[a-z0-9]{6}");
        assertThat(Ids.isWorkerId(id)).isTrue();
        assertThat(Ids.isWorkerId("rgrid-worker-ABCDEF")).isFalse();
        assertThat(Ids.isWorkerId("worker-abcdef")).isFalse();
    }

    @Test
    void parseExecutionIdRejectsWhatIsNotAUuid() {
        UUID id = Ids.newExecutionId();
        assertThat(Ids.parseExecutionId(id.toString())).isEqualTo(id);
        assertThat(Ids.parseExecutionId("1-1-1-1-1")).isNull();
        assertThat(Ids.parseExecutionId("../../etc/passwd")).isNull();
        assertThat(Ids.parseExecutionId(null)).isNull();
    }
}
