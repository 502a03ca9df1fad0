package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoolingTest {

    // Three tokens of dimension 2: (1,2) (3,4) (5,6)
    private final float[] hidden = {1, 2, 3, 4, 5, 6};

    @Test
    void clsTakesTheFirstToken() {
        float[] out = new float[2];
        Pooling.CLS.pool(hidden, 0, 3, 2, new long[] {1, 1, 0}, out);
        assertThat(out).containsExactly(1, 2);
    }

    @Test
    void clsTakesTheFirstRealTokenUnderLeftPadding() {
        float[] out = new float[2];
        Pooling.CLS.pool(hidden, 0, 3, 2, new long[] {0, 1, 1}, out);
        assertThat(out).containsExactly(3, 4);
    }

    @Test
    void meanAveragesOnlyRealTokens() {
        float[] out = new float[2];
        Pooling.MEAN.pool(hidden, 0, 3, 2, new long[] {1, 1, 0}, out);
        assertThat(out).containsExactly(2, 3);
    }

    @Test
    void lastTokenFindsTheLastRealTokenUnderRightAndLeftPadding() {
        float[] out = new float[2];
        Pooling.LAST_TOKEN.pool(hidden, 0, 3, 2, new long[] {1, 1, 0}, out);
        assertThat(out).containsExactly(3, 4);
        Pooling.LAST_TOKEN.pool(hidden, 0, 3, 2, new long[] {0, 1, 1}, out);
        assertThat(out).containsExactly(5, 6);
    }

    @Test
    void everyPoolingRefusesARowWithoutRealTokens() {
        for (Pooling pooling : Pooling.values()) {
            assertThatThrownBy(() -> pooling.pool(hidden, 0, 3, 2, new long[] {0, 0, 0}, new float[2]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void matryoshkaTruncationRenormalizes() {
        float[] v = Vectors.truncateAndNormalize(new float[] {3, 4, 12}, 2);
        assertThat(v).containsExactly(0.6f, 0.8f);
    }
}
