package io.semdex.query;

/**
 * One search.
 *
 * @param k hits to return, 1..{@value #MAX_K}
 * @param threshold minimum raw cosine between query and unit, -1..1
 */
public record SearchRequest(String query, int k, double threshold, SearchMode mode) {

    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 100;
    public static final double DEFAULT_THRESHOLD = 0.4;
    public static final int MAX_QUERY_CHARS = 2000;

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
        if (Double.isNaN(threshold) || threshold < -1 || threshold > 1) {
            throw new IllegalArgumentException("'threshold' must be a cosine between -1 and 1, got " + threshold);
        }
    }
}
