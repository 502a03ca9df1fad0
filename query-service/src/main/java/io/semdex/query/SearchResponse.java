package io.semdex.query;

import java.util.List;

/**
 * The answer to a {@link SearchRequest}, naming what produced it.
 *
 * @param fusion how the sides were fused; null outside {@code hybrid} mode
 * @param alpha the vector weight used in fusion (the keyword side's is {@code 1 - alpha}); null outside
 *     {@code hybrid} mode
 * @param weighting where {@code alpha} came from: {@code "request"} (given) or {@code "adaptive"} (weighed for
 *     this query by {@link FusionWeights}); null outside {@code hybrid} mode
 * @param threshold the threshold applied, on {@code thresholdScale}; null in {@code keyword} mode, which ignores it
 * @param thresholdScale {@code calibrated} or {@code cosine}: what the threshold was measured on ({@code cosine}
 *     when calibrated was asked for but the generation's model is uncalibrated); null in {@code keyword} mode
 * @param thresholdCosine the raw cosine the threshold comes to on this generation (hits have at least it); null
 *     in {@code keyword} mode and where no cosine reaches the relevance asked for
 * @param analyzer the text analysis of the generation, used for the query's keyword side too
 * @param total hits in the whole ranking (after threshold, filters and grouping), at most the candidate pool
 * @param embedMs time spent embedding the query (0 when it came from the query cache or was not needed)
 */
public record SearchResponse(
        String query,
        String mode,
        String fusion,
        Double alpha,
        String weighting,
        Double threshold,
        String thresholdScale,
        Double thresholdCosine,
        String model,
        String analyzer,
        String generation,
        int total,
        int offset,
        long tookMs,
        long embedMs,
        List<Hit> hits) {}
