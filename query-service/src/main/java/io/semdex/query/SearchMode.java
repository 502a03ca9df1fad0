package io.semdex.query;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a search ranks by. */
public enum SearchMode {
    /** Cosine between the query embedding and each unit's vector. */
    VECTOR;

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

    static String allowed() {
        return Arrays.stream(values()).map(SearchMode::label).collect(Collectors.joining(", "));
    }
}
