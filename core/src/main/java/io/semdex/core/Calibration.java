package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A model's map from raw cosine to calibrated relevance: the probability that a hit in the top ten
 * with that cosine is judged relevant, fitted by isotonic regression on judged query–hit pairs. The
 * search threshold and the bands speak this scale, so a slider value means the same for every model.
 *
 * <p>The map is piecewise linear between its knots (one per block of the isotonic fit, at the block's
 * mean cosine) and flat outside them, so it never falls as the cosine rises: a higher threshold on
 * relevance never keeps a hit that a lower one drops.
 *
 * <pre>{@code
 * Calibration c = Calibration.fit("bge-small-en-v1.5-q", fingerprint, "exports: 1,402 queries", cosines, relevant);
 * c.relevance(0.82);  // e.g. 0.61
 * }</pre>
 *
 * @param model the model id it was fitted for
 * @param fingerprint the model spec's fingerprint (model settings and file identity) it holds for;
 *     vectors of another model file make it meaningless
 * @param fittedOn what it was fitted on, in words (the data and the number of judged pairs)
 * @param version format version, {@value #VERSION}
 * @param cosines knot cosines, strictly increasing
 * @param relevances knot relevances, 0..1, non-decreasing
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Calibration(String model, String fingerprint, String fittedOn, int version, double[] cosines, double[] relevances)
        implements Serializable {

    public static final int VERSION = 1;

    public Calibration {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(cosines, "cosines");
        Objects.requireNonNull(relevances, "relevances");
        if (version != VERSION) {
            throw new IllegalArgumentException("calibration format version " + version + " is not known; this build reads " + VERSION);
        }
        if (cosines.length == 0 || cosines.length != relevances.length) {
            throw new IllegalArgumentException("a calibration needs as many knot cosines as relevances, at least one; got "
                    + cosines.length + " and " + relevances.length);
        }
        for (int i = 0; i < cosines.length; i++) {
            if (!(relevances[i] >= 0 && relevances[i] <= 1) || !(cosines[i] >= -1 && cosines[i] <= 1)) {
                throw new IllegalArgumentException("knot " + i + " must have a cosine in -1..1 and a relevance in 0..1, got "
                        + cosines[i] + " → " + relevances[i]);
            }
            if (i > 0 && !(cosines[i] > cosines[i - 1] && relevances[i] >= relevances[i - 1])) {
                throw new IllegalArgumentException("knots must rise: cosines strictly, relevances never falling; knot " + i + " ("
                        + cosines[i] + " → " + relevances[i] + ") follows " + cosines[i - 1] + " → " + relevances[i - 1]);
            }
        }
        cosines = cosines.clone();
        relevances = relevances.clone();
    }

    /** The calibrated relevance of a raw cosine, 0..1; NaN for NaN. */
    public double relevance(double cosine) {
        if (Double.isNaN(cosine)) {
            return Double.NaN;
        }
        int last = cosines.length - 1;
        if (cosine <= cosines[0]) {
            return relevances[0];
        }
        if (cosine >= cosines[last]) {
            return relevances[last];
        }
        int i = Arrays.binarySearch(cosines, cosine);
        if (i >= 0) {
            return relevances[i];
        }
        int hi = -i - 1;
        int lo = hi - 1;
        double t = (cosine - cosines[lo]) / (cosines[hi] - cosines[lo]);
        return relevances[lo] + t * (relevances[hi] - relevances[lo]);
    }

    /**
     * The lowest raw cosine whose relevance reaches {@code relevance}: what a threshold on the
     * calibrated scale means on the raw one. −∞ when every cosine does, +∞ when none does.
     */
    public double cosineAt(double relevance) {
        if (relevance <= relevances[0]) {
            return Double.NEGATIVE_INFINITY;
        }
        for (int i = 1; i < cosines.length; i++) {
            if (relevances[i] >= relevance) {
                double t = (relevance - relevances[i - 1]) / (relevances[i] - relevances[i - 1]);
                return cosines[i - 1] + t * (cosines[i] - cosines[i - 1]);
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /**
     * Fits the map by isotonic regression (pool-adjacent-violators) of the relevance labels on the
     * cosines: the non-decreasing step function closest to the labels in squared error, whose value
     * on a block is the share of relevant pairs in it. Each block becomes a knot at its mean cosine.
     *
     * @param cosines raw cosines of judged hits
     * @param relevant whether each hit is judged relevant
     */
    public static Calibration fit(String model, String fingerprint, String fittedOn, double[] cosines, boolean[] relevant) {
        if (cosines.length != relevant.length) {
            throw new IllegalArgumentException("a fit needs as many labels as cosines, at least one; got " + cosines.length + " and "
                    + relevant.length);
        }
        double[] labels = new double[relevant.length];
        double[] weights = new double[relevant.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = relevant[i] ? 1 : 0;
            weights[i] = 1;
        }
        return fit(model, fingerprint, fittedOn, cosines, labels, weights);
    }

    /**
     * The weighted form of {@link #fit(String, String, String, double[], boolean[])}: each pair's label
     * is a relevance in 0..1 (a judgment, or a prior's estimate) and counts with its weight; the value
     * of a block is the weighted mean of its labels, its knot the weighted mean of its cosines.
     *
     * @param labels relevance of each pair, 0..1
     * @param weights weight of each pair, &gt; 0
     */
    public static Calibration fit(String model, String fingerprint, String fittedOn, double[] cosines, double[] labels, double[] weights) {
        if (cosines.length != labels.length || cosines.length != weights.length || cosines.length == 0) {
            throw new IllegalArgumentException("a fit needs as many labels and weights as cosines, at least one; got " + cosines.length
                    + ", " + labels.length + " and " + weights.length);
        }
        Integer[] order = new Integer[cosines.length];
        for (int i = 0; i < order.length; i++) {
            if (!(cosines[i] >= -1 && cosines[i] <= 1)) {
                throw new IllegalArgumentException("cosine " + i + " is not in -1..1: " + cosines[i]);
            }
            if (!(labels[i] >= 0 && labels[i] <= 1) || !(weights[i] > 0) || Double.isInfinite(weights[i])) {
                throw new IllegalArgumentException("pair " + i + " needs a label in 0..1 and a finite weight above 0, got " + labels[i]
                        + " and " + weights[i]);
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(cosines[a], cosines[b]));
        // Blocks of the fit, as a stack: weighted label sum, weight, weighted cosine sum. Hits of equal
        // cosine form one point first, so the fit is a function of the cosine and knots rise strictly.
        double[] sum = new double[order.length];
        double[] weight = new double[order.length];
        double[] cosSum = new double[order.length];
        int blocks = 0;
        for (int k = 0; k < order.length; ) {
            double x = cosines[order[k]];
            double y = 0;
            double w = 0;
            for (; k < order.length && cosines[order[k]] == x; k++) {
                y += labels[order[k]] * weights[order[k]];
                w += weights[order[k]];
            }
            sum[blocks] = y;
            weight[blocks] = w;
            cosSum[blocks] = x * w;
            blocks++;
            // Pool while the last block's mean is not above the one before it.
            while (blocks > 1 && sum[blocks - 1] / weight[blocks - 1] <= sum[blocks - 2] / weight[blocks - 2]) {
                sum[blocks - 2] += sum[blocks - 1];
                weight[blocks - 2] += weight[blocks - 1];
                cosSum[blocks - 2] += cosSum[blocks - 1];
                blocks--;
            }
        }
        double[] knotCosines = new double[blocks];
        double[] knotRelevances = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            knotCosines[b] = Math.max(-1, Math.min(1, cosSum[b] / weight[b]));
            knotRelevances[b] = Math.max(0, Math.min(1, sum[b] / weight[b]));
        }
        // Rounding in the weighted means can make two neighbouring knots' cosines meet; keep the later.
        int kept = 0;
        for (int b = 0; b < blocks; b++) {
            if (kept > 0 && knotCosines[b] <= knotCosines[kept - 1]) {
                kept--;
            }
            knotCosines[kept] = knotCosines[b];
            knotRelevances[kept++] = knotRelevances[b];
        }
        return new Calibration(model, fingerprint, fittedOn, VERSION, Arrays.copyOf(knotCosines, kept), Arrays.copyOf(knotRelevances, kept));
    }

    /**
     * This map, refined by judged pairs of the corpus at hand: the isotonic fit of the pairs together
     * with, at each pair's cosine, this map's relevance counting {@code priorWeight} pairs. Where the
     * pairs are few or say little, the result stays near this map; where they are many and agree,
     * near their own fit.
     *
     * @param fittedOn what the pairs are, in words
     * @param priorWeight how many of the pairs this map's estimate at a pair's cosine counts as, &gt; 0
     */
    public Calibration refinedBy(String fittedOn, double[] pairCosines, boolean[] relevant, double priorWeight) {
        int n = pairCosines.length;
        if (relevant.length != n || n == 0) {
            throw new IllegalArgumentException("a fit needs as many labels as cosines, at least one; got " + n + " and " + relevant.length);
        }
        double[] c = new double[2 * n];
        double[] y = new double[2 * n];
        double[] w = new double[2 * n];
        for (int i = 0; i < n; i++) {
            c[i] = pairCosines[i];
            y[i] = relevant[i] ? 1 : 0;
            w[i] = 1;
            c[n + i] = pairCosines[i];
            y[n + i] = relevance(pairCosines[i]);
            w[n + i] = priorWeight;
        }
        return fit(model, fingerprint, fittedOn, c, y, w);
    }

    /** Reads a calibration file ({@code semdex eval --fit-calibration} writes them). */
    public static Calibration read(Path file) {
        try {
            return Json.MAPPER.readValue(file.toFile(), Calibration.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration " + file + ": " + e.getMessage(), e);
        }
    }

    /** This calibration as pretty-printed JSON. */
    public String toJson() {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether it was fitted for a model of this fingerprint. */
    public boolean fits(String modelFingerprint) {
        return fingerprint.equals(modelFingerprint);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Calibration c && model.equals(c.model) && fingerprint.equals(c.fingerprint)
                && Objects.equals(fittedOn, c.fittedOn) && version == c.version && Arrays.equals(cosines, c.cosines)
                && Arrays.equals(relevances, c.relevances);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, fingerprint, fittedOn, version, Arrays.hashCode(cosines), Arrays.hashCode(relevances));
    }

    @Override
    public String toString() {
        return "Calibration[" + model + ", " + cosines.length + " knots, " + fittedOn + "]";
    }
}
