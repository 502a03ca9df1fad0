package io.semdex.core;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of whole numbers ≥ 0 (latencies in nanoseconds, unit lengths in tokens): the one
 * definition behind every percentile that {@code semdex bench search}, {@code bench abuse},
 * {@code bench index} and {@code split-stats} print.
 *
 * <p>The value at percentile {@code p} is the smallest recorded value such that at least {@code p}
 * percent of the recorded values are ≤ it (nearest rank; p50 of 1, 2, 3, 4 is 2), as HdrHistogram's
 * {@link Histogram#getValueAtPercentile} computes it at 3 significant digits: values below 2,048 come
 * back exactly, larger ones as the top of their bucket, at most 0.1 % above the recorded value.
 * With nothing recorded every percentile and the maximum are 0.
 *
 * <pre>{@code
 * Percentiles latency = new Percentiles();
 * latency.record(System.nanoTime() - start);
 * double p99Ms = latency.at(99) / 1e6;
 * }</pre>
 *
 * <p>Not thread-safe: record from one thread, or merge per-thread values before recording.
 */
public final class Percentiles {

    private static final int SIGNIFICANT_DIGITS = 3;

    private final Histogram histogram = new Histogram(SIGNIFICANT_DIGITS);

    /** Percentiles of {@code values}, in any order. */
    public static Percentiles of(long... values) {
        Percentiles percentiles = new Percentiles();
        for (long value : values) {
            percentiles.record(value);
        }
        return percentiles;
    }

    public void record(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("value " + value + " is negative; percentiles are of values ≥ 0");
        }
        histogram.recordValue(value);
    }

    /** How many values were recorded. */
    public long count() {
        return histogram.getTotalCount();
    }

    /** The value at {@code percentile} (0–100) as defined above; 0 when nothing was recorded. */
    public long at(double percentile) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile " + percentile + " is outside 0–100");
        }
        return histogram.getValueAtPercentile(percentile);
    }

    /** The largest recorded value, at the same precision as {@link #at}; 0 when nothing was recorded. */
    public long max() {
        return histogram.getMaxValue();
    }
}
