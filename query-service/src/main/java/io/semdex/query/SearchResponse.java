package io.semdex.query;

import java.util.List;

/** The answer to a {@link SearchRequest}, naming what produced it. */
public record SearchResponse(
        String query, String mode, double threshold, String model, String generation, long tookMs, List<Hit> hits) {}
