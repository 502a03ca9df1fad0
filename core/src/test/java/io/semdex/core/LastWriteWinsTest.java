package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.LastWriteWins.Seen;
import io.semdex.core.LastWriteWins.Verdict;
import io.semdex.core.LastWriteWins.Write;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LastWriteWinsTest {

    /** Runs {@code writes} through the rule in the order given; returns the last one applied. */
    private static Write lastApplied(List<Write> writes) {
        Seen seen = null;
        Write applied = null;
        for (Write w : writes) {
            if (LastWriteWins.judge(seen, w) == Verdict.APPLY) {
                seen = LastWriteWins.admit(seen, w);
                applied = w;
            }
        }
        return applied;
    }

    @Test
    void aBulkChangeDeliveredAfterALaterInteractiveOneIsStale() {
        Write api = new Write(Lane.INTERACTIVE, 2_000);
        Write reload = new Write(Lane.BULK, 1_000); // produced first, queued behind an export
        Seen seen = LastWriteWins.admit(null, api);
        assertThat(LastWriteWins.judge(seen, reload)).isEqualTo(Verdict.OLDER_THAN_OTHER_LANE);
    }

    @Test
    void aBulkChangeAcceptedAfterTheInteractiveOneWins() {
        Seen seen = LastWriteWins.admit(null, new Write(Lane.INTERACTIVE, 2_000));
        assertThat(LastWriteWins.judge(seen, new Write(Lane.BULK, 2_001))).isEqualTo(Verdict.APPLY);
    }

    @Test
    void withinOneLaneTheTopicsOrderCountsEvenIfTheClockWentBack() {
        Seen seen = LastWriteWins.admit(null, new Write(Lane.BULK, 5_000));
        assertThat(LastWriteWins.judge(seen, new Write(Lane.BULK, 4_000))).isEqualTo(Verdict.APPLY);
    }

    @Test
    void onTheSameMillisecondTheInteractiveLaneWinsWhicheverArrivesFirst() {
        Write api = new Write(Lane.INTERACTIVE, 7_000);
        Write bulk = new Write(Lane.BULK, 7_000);
        assertThat(lastApplied(List.of(api, bulk))).isEqualTo(api);
        assertThat(lastApplied(List.of(bulk, api))).isEqualTo(api);
    }

    @Test
    void everyDeliveryOrderOfTheTwoLanesEndsAtTheChangeAcceptedLast() {
        Random random = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            List<Write> bulk = lane(random, Lane.BULK);
            List<Write> interactive = lane(random, Lane.INTERACTIVE);
            List<Write> all = new ArrayList<>(bulk);
            all.addAll(interactive);
            if (all.isEmpty()) {
                continue;
            }
            Write newest = all.stream()
                    .max(Comparator.comparingLong(Write::acceptedAt).thenComparing(w -> w.lane() == Lane.INTERACTIVE))
                    .orElseThrow();
            // Any interleaving that keeps each lane's own order, as two Kafka topics deliver.
            for (int order = 0; order < 5; order++) {
                List<Write> delivered = new ArrayList<>();
                int b = 0;
                int i = 0;
                while (b < bulk.size() || i < interactive.size()) {
                    boolean takeBulk = i == interactive.size() || b < bulk.size() && random.nextBoolean();
                    delivered.add(takeBulk ? bulk.get(b++) : interactive.get(i++));
                }
                assertThat(lastApplied(delivered)).as("round %d, delivered %s", round, delivered).isEqualTo(newest);
            }
        }
    }

    /** Writes of one document on one lane, accepted at non-decreasing times, as a partition with the broker's append times gives them. */
    private static List<Write> lane(Random random, Lane lane) {
        List<Write> writes = new ArrayList<>();
        long time = random.nextInt(20);
        for (int n = random.nextInt(4); n > 0; n--) {
            time += random.nextInt(5); // equal milliseconds happen
            writes.add(new Write(lane, time));
        }
        return writes;
    }
}
