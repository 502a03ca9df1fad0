package io.semdex.core;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;

/**
 * The text analyzers an index can be built with. The name goes into the manifest, so the query
 * side analyzes queries exactly as the index analyzed documents.
 */
public final class TextAnalysis {

    /** Unicode word tokens for Latin scripts, overlapping bigrams for Chinese, Japanese and Korean. */
    public static final String CJK_BIGRAM = "cjk-bigram";

    private TextAnalysis() {}

    public static Analyzer create(String name) {
        return switch (name) {
            case CJK_BIGRAM -> new CJKAnalyzer();
            default -> throw new IllegalArgumentException("unknown analyzer '" + name + "'; known: " + CJK_BIGRAM);
        };
    }
}
