package io.semdex.query;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a search ranks by. */
public enum SearchMode {
    /** Cosine between the query embedding and each unit's vector (HNSW kNN). */
    VECTOR,
    /** BM25 over title and text, analyzed as the index was; needs no embedding and ignores the threshold. */
    KEYWORD,
    /** Both candidate lists fused (see {@link Fusion}); every hit still has cosine &ge; threshold. */
    HYBRID;

    public static final SearchMode DEFAULT = HYBRID;

    public static SearchMode parse(String value) {
        for (SearchMode mode : values()) {
            if (mode.label().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("mode must be one of " + allowed() + ", got '" + value + "'");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this mode embeds the query and applies the cosine threshold. */
    public boolean usesVectors() {
        return this != KEYWORD;
    }

    static String allowed() {
        return Arrays.stream(values()).map(SearchMode::label).collect(Collectors.joining(", "));
    }
}
