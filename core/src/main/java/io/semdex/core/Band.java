package io.semdex.core;

/**
 * How likely a hit is to be what the query asks for, in words a user reads next to the score. The
 * cut-offs are fixed points of the calibrated relevance ({@link Calibration}), the same for every
 * model, so "strong" means the same thing whichever model built the index. A hit of an uncalibrated
 * model is banded by its raw cosine against the same cut-offs.
 */
public enum Band {
    STRONG,
    RELATED,
    WEAK;

    /** Relevance from which a hit is {@code strong}: at least as likely relevant as not. */
    public static final double STRONG_FROM = 0.5;
    /** Relevance from which a hit is {@code related}: twice a top-ten hit's base rate where one document of ten is relevant. */
    public static final double RELATED_FROM = 0.2;

    /** The band of a calibrated relevance (or, for an uncalibrated model, a raw cosine). */
    public static Band of(double relevance) {
        return relevance >= STRONG_FROM ? STRONG : relevance >= RELATED_FROM ? RELATED : WEAK;
    }

    /** Lower-case name used in JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
