package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BatchingTest {

    @Test
    void aLongInputThatWouldBlowTheBudgetGoesAlone() {
        List<int[]> batches = new Batching(32, 400).plan(new int[] {12, 300, 15, 40});
        assertThat(batches).containsExactly(new int[] {1}, new int[] {3, 2, 0});
    }

    @Test
    void batchSizeCapsRowsEvenWithinBudget() {
        List<int[]> batches = new Batching(2, 1_000_000).plan(new int[] {5, 5, 5, 5, 5});
        assertThat(batches).extracting(b -> b.length).containsExactly(2, 2, 1);
    }

    @Test
    void noInputsGiveNoBatches() {
        assertThat(new Batching(8, 100).plan(new int[0])).isEmpty();
    }

    @RepeatedTest(50)
    void everyInputLandsInExactlyOneBatchWithinTheLimitsAndLongestFirst() {
        Random random = new Random();
        int n = random.nextInt(300);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = 1 + (random.nextInt(10) == 0 ? random.nextInt(2000) : random.nextInt(80));
        }
        Batching batching = new Batching(1 + random.nextInt(64), 1 + random.nextInt(8192));
        List<int[]> batches = batching.plan(lengths);
        List<Integer> seen = new ArrayList<>();
        int previousLongest = Integer.MAX_VALUE;
        for (int[] batch : batches) {
            assertThat(batch.length).isBetween(1, batching.maxBatchSize());
            int longest = lengths[batch[0]];
            for (int i = 0; i < batch.length; i++) {
                seen.add(batch[i]);
                assertThat(lengths[batch[i]]).isLessThanOrEqualTo(longest);
            }
            if (batch.length > 1) {
                assertThat((long) batch.length * longest).isLessThanOrEqualTo(batching.tokenBudget());
            }
            assertThat(longest).isLessThanOrEqualTo(previousLongest);
            previousLongest = longest;
        }
        assertThat(seen).hasSize(n).doesNotHaveDuplicates();
    }

    @Test
    void limitsAreCheckedWithTheAllowedRangeInTheMessage() {
        assertThatThrownBy(() -> new Batching(0, 10)).hasMessageContaining("1..65536").hasMessageContaining("got 0");
        assertThatThrownBy(() -> new Batching(8, 0)).hasMessageContaining(">= 1");
    }
}
