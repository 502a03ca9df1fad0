package io.semdex.embed;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a model's per-token hidden states become one vector. Every kind looks at the attention
 * mask, never at fixed positions, so the result is the same under left and right padding.
 */
public enum Pooling {
    /** The first real token's state ({@code [CLS]}): BGE models. */
    CLS,
    /** Mean of the states of real (unmasked) tokens: MiniLM, E5. */
    MEAN,
    /** The state of each row's last real token, wherever padding puts it: Qwen3-Embedding. */
    LAST_TOKEN;

    /**
     * Pools one row. {@code hidden} holds {@code seqLen × dim} values of one sequence row-major
     * from {@code offset}; {@code mask} marks real tokens with 1.
     *
     * @throws IllegalArgumentException when the row has no real token
     */
    void pool(float[] hidden, int offset, int seqLen, int dim, long[] mask, float[] out) {
        switch (this) {
            case CLS -> System.arraycopy(hidden, offset + firstReal(mask, seqLen) * dim, out, 0, dim);
            case LAST_TOKEN -> System.arraycopy(hidden, offset + lastReal(mask, seqLen) * dim, out, 0, dim);
            case MEAN -> {
                Arrays.fill(out, 0, dim, 0f);
                int real = 0;
                for (int t = 0; t < seqLen; t++) {
                    if (mask[t] == 0) {
                        continue;
                    }
                    real++;
                    int base = offset + t * dim;
                    for (int d = 0; d < dim; d++) {
                        out[d] += hidden[base + d];
                    }
                }
                if (real == 0) {
                    throw new IllegalArgumentException("a sequence with no real token cannot be pooled");
                }
                float scale = 1f / real;
                for (int d = 0; d < dim; d++) {
                    out[d] *= scale;
                }
            }
        }
    }

    static int firstReal(long[] mask, int seqLen) {
        for (int t = 0; t < seqLen; t++) {
            if (mask[t] != 0) {
                return t;
            }
        }
        throw new IllegalArgumentException("a sequence with no real token cannot be pooled");
    }

    static int lastReal(long[] mask, int seqLen) {
        for (int t = seqLen - 1; t >= 0; t--) {
            if (mask[t] != 0) {
                return t;
            }
        }
        throw new IllegalArgumentException("a sequence with no real token cannot be pooled");
    }

    /** Parses {@code cls}, {@code mean} or {@code last_token}. */
    public static Pooling parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cls" -> CLS;
            case "mean" -> MEAN;
            case "last_token", "last-token" -> LAST_TOKEN;
            default -> throw new IllegalArgumentException("unknown pooling '" + name + "'; known: cls, mean, last_token");
        };
    }
}
