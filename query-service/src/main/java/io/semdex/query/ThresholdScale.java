package io.semdex.query;

import java.util.Locale;

/** What a search's {@code threshold} is measured on. */
public enum ThresholdScale {
    /**
     * Calibrated relevance, 0..1: the probability that a hit with this cosine is relevant, by the
     * generation's {@link io.semdex.core.Calibration}. The same value means the same on every model.
     * A generation whose model is uncalibrated is thresholded on the raw cosine instead, and says so.
     */
    CALIBRATED,
    /** The raw cosine between query and unit, −1..1: its meaning changes with the model. */
    COSINE;

    public static final ThresholdScale DEFAULT = CALIBRATED;

    public static ThresholdScale parse(String value) {
        for (ThresholdScale scale : values()) {
            if (scale.label().equals(value)) {
                return scale;
            }
        }
        throw new IllegalArgumentException("threshold_scale must be calibrated or cosine, got '" + value + "'");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
