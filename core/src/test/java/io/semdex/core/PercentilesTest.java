package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void theValueAtAPercentileIsTheSmallestWithThatShareOfValuesAtOrBelowIt() {
        Percentiles p = Percentiles.of(4, 1, 3, 2);

        assertThat(p.count()).isEqualTo(4);
        assertThat(p.at(0)).isEqualTo(1);
        assertThat(p.at(25)).isEqualTo(1);
        assertThat(p.at(26)).isEqualTo(2);
        assertThat(p.at(50)).isEqualTo(2);
        assertThat(p.at(75)).isEqualTo(3);
        assertThat(p.at(76)).isEqualTo(4);
        assertThat(p.at(100)).isEqualTo(4);
        assertThat(p.max()).isEqualTo(4);
    }

    @Test
    void oneToAHundredGivesThePercentileItself() {
        Percentiles p = Percentiles.of(LongStream.rangeClosed(1, 100).toArray());

        assertThat(p.at(50)).isEqualTo(50);
        assertThat(p.at(95)).isEqualTo(95);
        assertThat(p.at(99)).isEqualTo(99);
        assertThat(p.at(99.5)).isEqualTo(100);
        assertThat(p.max()).isEqualTo(100);
    }

    @Test
    void valuesBelow2048AreExactAndMatchNearestRankOnTheSortedValues() {
        Random random = new Random(17);
        for (int round = 0; round < 200; round++) {
            long[] values = LongStream.generate(() -> random.nextInt(2048)).limit(1 + random.nextInt(500)).toArray();
            Percentiles p = Percentiles.of(values);
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            for (double percentile : new double[] {1, 10, 50, 90, 95, 99, 99.9, 100, random.nextDouble() * 100}) {
                int rank = (int) Math.ceil(percentile / 100 * sorted.length);
                assertThat(p.at(percentile)).as("p%s of %s", percentile, Arrays.toString(sorted))
                        .isEqualTo(sorted[Math.max(0, rank - 1)]);
            }
            assertThat(p.max()).isEqualTo(sorted[sorted.length - 1]);
        }
    }

    @Test
    void largeValuesComeBackWithinThreeSignificantDigitsNeverBelow() {
        long nanos = 1_234_567;
        Percentiles p = Percentiles.of(nanos, nanos, nanos);

        assertThat(p.at(50)).isBetween(nanos, (long) (nanos * 1.001));
        assertThat(p.max()).isEqualTo(p.at(100));
    }

    @Test
    void withNothingRecordedEveryPercentileAndTheMaximumAreZero() {
        Percentiles p = new Percentiles();

        assertThat(p.count()).isZero();
        assertThat(p.at(50)).isZero();
        assertThat(p.at(99)).isZero();
        assertThat(p.max()).isZero();
    }

    @Test
    void rejectsNegativeValuesAndPercentilesOutside0To100() {
        Percentiles p = Percentiles.of(1);

        assertThatThrownBy(() -> p.record(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> p.at(-0.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.5");
        assertThatThrownBy(() -> p.at(100.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100.5");
        assertThatThrownBy(() -> p.at(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
