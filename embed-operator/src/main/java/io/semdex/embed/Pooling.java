package io.semdex.embed;

/** How a model's per-token hidden states become one vector. */
public enum Pooling {
    /** The first token's state ({@code [CLS]}): BGE models. */
    CLS,
    /** Mean of the states of real (unmasked) tokens: MiniLM, E5. */
    MEAN,
    /** The state of each row's last real token, wherever padding puts it: Qwen3-Embedding. */
    LAST_TOKEN;

    /**
     * Pools one row. {@code hidden} holds {@code seqLen × dim} values of one sequence row-major;
     * {@code mask} marks real tokens with 1.
     */
    void pool(float[] hidden, int offset, int seqLen, int dim, long[] mask, float[] out) {
        switch (this) {
            case CLS -> System.arraycopy(hidden, offset, out, 0, dim);
            case MEAN -> {
                java.util.Arrays.fill(out, 0f);
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
                float scale = 1f / Math.max(1, real);
                for (int d = 0; d < dim; d++) {
                    out[d] *= scale;
                }
            }
            case LAST_TOKEN -> {
                int last = -1;
                for (int t = seqLen - 1; t >= 0; t--) {
                    if (mask[t] != 0) {
                        last = t;
                        break;
                    }
                }
                if (last < 0) {
                    throw new IllegalArgumentException("a sequence with no real token cannot be pooled");
                }
                System.arraycopy(hidden, offset + last * dim, out, 0, dim);
            }
        }
    }

    public static Pooling parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "cls" -> CLS;
            case "mean" -> MEAN;
            case "last_token", "last-token" -> LAST_TOKEN;
            default -> throw new IllegalArgumentException("unknown pooling '" + name + "'; known: cls, mean, last_token");
        };
    }
}
