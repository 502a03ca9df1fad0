package io.semdex.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One search. Build it with {@link #builder(String)}; every value is checked here, with a message
 * that names the parameter, the bad value and the allowed range.
 *
 * <pre>{@code
 * SearchRequest request = SearchRequest.builder("comfortable running shoes for women")
 *         .k(10).mode(SearchMode.HYBRID).filter(MetadataFilter.parse("price:[10 TO 60]")).build();
 * }</pre>
 *
 * @param k hits to return, 1..{@value #MAX_K}
 * @param offset hits to skip, for paging; {@code offset + k <= candidates}
 * @param threshold the least a hit of {@code vector} and {@code hybrid} mode must have on {@code thresholdScale}:
 *     calibrated relevance 0..1 (the default scale) or raw cosine -1..1; {@code keyword} mode ignores it
 * @param thresholdScale what {@code threshold} is measured on
 * @param fusion how {@code hybrid} combines the two sides
 * @param alpha weight of the vector side in fusion, 0..1; null (the default) to weigh the sides per query
 *     by how reliable each looks for it ({@link FusionWeights})
 * @param rrfK the {@code k} of reciprocal rank fusion, 1..{@value #MAX_RRF_K}
 * @param filters metadata conditions, applied before ranking on both sides
 * @param groupByDoc one hit per document: its best unit
 * @param candidates units each side retrieves before fusion and paging, {@code k + offset}..{@value #MAX_CANDIDATES};
 *     a page is cut from one fixed pool, so pages of equal requests never overlap or skip
 * @param highlight whether hits carry highlight spans
 */
public record SearchRequest(
        String query,
        int k,
        int offset,
        double threshold,
        ThresholdScale thresholdScale,
        SearchMode mode,
        Fusion fusion,
        Double alpha,
        int rrfK,
        List<MetadataFilter> filters,
        boolean groupByDoc,
        int candidates,
        boolean highlight) {

    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 100;
    /**
     * The default threshold, on the calibrated scale: hits at least this likely to be relevant. The
     * largest of 0.01, 0.02, 0.03, 0.05 that keeps a hit for 90 % of the queries with a relevant
     * document in their top ten on every shared evaluation set and model, in both modes, with a
     * reindexed generation's own map and with the model's map a streaming generation gets (README,
     * "Calibrated relevance").
     */
    public static final double DEFAULT_THRESHOLD = 0.01;
    /** The default threshold of {@code threshold_scale=cosine}: the raw cosine every model had as its default before calibration. */
    public static final double DEFAULT_COSINE_THRESHOLD = 0.4;
    /** No cut on the raw cosine: every cosine is at least -1. */
    public static final double NO_THRESHOLD = -1;
    public static final int MAX_QUERY_CHARS = 2000;
    public static final int DEFAULT_CANDIDATES = 100;
    public static final int MAX_CANDIDATES = 1000;
    public static final int MAX_FILTERS = 32;
    public static final int MAX_RRF_K = 10_000;
    /** The usual RRF constant (Cormack et al. 2009). */
    public static final int DEFAULT_RRF_K = 60;
    /** Hybrid's default fusion; README "Evaluation" has the measurements behind it. */
    public static final Fusion DEFAULT_FUSION = Fusion.LINEAR;
    /**
     * The fixed vector weight of linear fusion that was the default before the weights adapted per
     * query; {@code semdex eval} still reports it (hybrid-linear) for comparison.
     */
    public static final double DEFAULT_LINEAR_ALPHA = 0.8;
    /** The fixed vector weight of RRF that {@code semdex eval} reports (hybrid-rrf) for comparison. */
    public static final double DEFAULT_RRF_ALPHA = 0.8;

    public SearchRequest {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("'q' is required and must not be blank");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw new IllegalArgumentException("'q' is " + query.length() + " characters; the limit is " + MAX_QUERY_CHARS);
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("'k' must be between 1 and " + MAX_K + ", got " + k);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("'offset' must be >= 0, got " + offset);
        }
        Objects.requireNonNull(thresholdScale, "thresholdScale");
        if (thresholdScale == ThresholdScale.COSINE && (Double.isNaN(threshold) || threshold < -1 || threshold > 1)) {
            throw new IllegalArgumentException("'threshold' on the cosine scale must be a cosine between -1 and 1, got " + threshold);
        }
        if (thresholdScale == ThresholdScale.CALIBRATED && (Double.isNaN(threshold) || threshold < 0 || threshold > 1)) {
            throw new IllegalArgumentException("'threshold' on the calibrated scale must be a relevance between 0 and 1, got " + threshold
                    + " (threshold_scale=cosine takes a raw cosine -1..1)");
        }
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(fusion, "fusion");
        if (alpha != null && (Double.isNaN(alpha) || alpha < 0 || alpha > 1)) {
            throw new IllegalArgumentException("'alpha' (the vector weight) must be between 0 and 1, got " + alpha);
        }
        if (rrfK < 1 || rrfK > MAX_RRF_K) {
            throw new IllegalArgumentException("'rrf_k' must be between 1 and " + MAX_RRF_K + ", got " + rrfK);
        }
        filters = List.copyOf(filters);
        if (filters.size() > MAX_FILTERS) {
            throw new IllegalArgumentException("at most " + MAX_FILTERS + " filters, got " + filters.size());
        }
        if (candidates < 1 || candidates > MAX_CANDIDATES) {
            throw new IllegalArgumentException("'candidates' must be between 1 and " + MAX_CANDIDATES + ", got " + candidates);
        }
        if ((long) offset + k > candidates) {
            throw new IllegalArgumentException("'offset' + 'k' (" + offset + " + " + k + ") must not exceed 'candidates' ("
                    + candidates + "); raise 'candidates' (at most " + MAX_CANDIDATES + ") to page further");
        }
    }

    public static Builder builder(String query) {
        return new Builder(query);
    }

    /** A builder holding every value of this request, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder(query).k(k).offset(offset).threshold(threshold).thresholdScale(thresholdScale).mode(mode).fusion(fusion).alpha(alpha).rrfK(rrfK)
                .groupByDoc(groupByDoc).candidates(candidates).highlight(highlight);
        filters.forEach(b::filter);
        return b;
    }

    /** Builds a {@link SearchRequest}; unset values take the documented defaults. */
    public static final class Builder {
        private final String query;
        private int k = DEFAULT_K;
        private int offset;
        private double threshold = DEFAULT_THRESHOLD;
        private ThresholdScale thresholdScale = ThresholdScale.DEFAULT;
        private SearchMode mode = SearchMode.DEFAULT;
        private Fusion fusion = DEFAULT_FUSION;
        private Double alpha;
        private int rrfK = DEFAULT_RRF_K;
        private final List<MetadataFilter> filters = new ArrayList<>();
        private boolean groupByDoc;
        private int candidates = DEFAULT_CANDIDATES;
        private boolean highlight = true;

        private Builder(String query) {
            this.query = query;
        }

        public Builder k(int k) {
            this.k = k;
            return this;
        }

        public Builder offset(int offset) {
            this.offset = offset;
            return this;
        }

        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        public Builder thresholdScale(ThresholdScale thresholdScale) {
            this.thresholdScale = thresholdScale;
            return this;
        }

        /** No threshold at all: every hit is kept, whatever its cosine. */
        public Builder noThreshold() {
            return thresholdScale(ThresholdScale.COSINE).threshold(NO_THRESHOLD);
        }

        public Builder mode(SearchMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder fusion(Fusion fusion) {
            this.fusion = fusion;
            return this;
        }

        /** A fixed vector weight; when unset (or null), the weights adapt per query ({@link FusionWeights}). */
        public Builder alpha(Double alpha) {
            this.alpha = alpha;
            return this;
        }

        public Builder rrfK(int rrfK) {
            this.rrfK = rrfK;
            return this;
        }

        public Builder filter(MetadataFilter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        public Builder groupByDoc(boolean groupByDoc) {
            this.groupByDoc = groupByDoc;
            return this;
        }

        /** Units per side before fusion; {@value #DEFAULT_CANDIDATES} when unset. Page with the same value throughout. */
        public Builder candidates(int candidates) {
            this.candidates = candidates;
            return this;
        }

        public Builder highlight(boolean highlight) {
            this.highlight = highlight;
            return this;
        }

        public SearchRequest build() {
            return new SearchRequest(query, k, offset, threshold, thresholdScale, mode, fusion, alpha, rrfK, filters, groupByDoc, candidates, highlight);
        }
    }
}
