package io.semdex.query;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How {@link SearchMode#HYBRID} combines the vector and keyword rankings of one candidate pool.
 * Both are weighted by {@code alpha}, the weight of the vector side (0..1); 0.5 weighs the sides equally.
 * A request without {@code alpha} gets the weight {@link FusionWeights} gives its query.
 */
public enum Fusion {
    /**
     * Weighted reciprocal rank fusion: {@code alpha / (k + rank_vector) + (1 - alpha) / (k + rank_keyword)},
     * ranks within each side's retrieved list; a side whose list lacks the unit adds nothing.
     * Scale-free, so it needs no normalization, but it throws away how far apart the scores are.
     */
    RRF,
    /**
     * Convex combination of min-max normalized scores: {@code alpha * norm(cosine) + (1 - alpha) * norm(bm25)},
     * each side normalized over its own retrieved list (0 below its lowest score). Keeps score gaps:
     * a unit far ahead on one side stays ahead.
     */
    LINEAR;

    public static Fusion parse(String value) {
        for (Fusion fusion : values()) {
            if (fusion.label().equals(value)) {
                return fusion;
            }
        }
        throw new IllegalArgumentException("fusion must be one of " + allowed() + ", got '" + value + "'");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static String allowed() {
        return Arrays.stream(values()).map(Fusion::label).collect(Collectors.joining(", "));
    }
}
