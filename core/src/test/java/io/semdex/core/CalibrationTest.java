package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {

    @Test
    void poolsAdjacentViolatorsIntoTheShareOfRelevantHitsPerBlock() {
        // Labels by cosine: 0 0 1 0 1 1 — the 1 at 0.3 and the 0 at 0.4 violate order and pool to 0.5.
        Calibration c = Calibration.fit("m", "f", "test", new double[] {0.4, 0.1, 0.3, 0.2, 0.5, 0.6},
                new boolean[] {false, false, true, false, true, true});
        assertThat(c.cosines()).containsExactly(new double[] {0.15, 0.35, 0.55}, within(1e-12));
        assertThat(c.relevances()).containsExactly(0.0, 0.5, 1.0);
        assertThat(c.relevance(0.35)).isEqualTo(0.5);
        assertThat(c.relevance(0.25)).isCloseTo(0.25, within(1e-12));
        assertThat(c.relevance(-1)).as("flat below the first knot").isEqualTo(0.0);
        assertThat(c.relevance(1)).as("flat above the last knot").isEqualTo(1.0);
        assertThat(c.relevance(Double.NaN)).isNaN();
    }

    @Test
    void equalCosinesAreOnePointOfTheFit() {
        Calibration c = Calibration.fit("m", "f", "test", new double[] {0.5, 0.5, 0.5, 0.5, 0.7},
                new boolean[] {true, false, false, false, true});
        assertThat(c.cosines()).containsExactly(0.5, 0.7);
        assertThat(c.relevances()).containsExactly(0.25, 1.0);
    }

    /**
     * Against the textbook definition of isotonic regression (Barlow et al.): the fit at the i-th
     * distinct cosine is max over j <= i of min over k >= i of the mean label of points j..k.
     */
    @Test
    void fitEqualsTheMinMaxFormulaOnRandomData() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 50; round++) {
            int n = 5 + random.nextInt(200);
            double[] x = new double[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                x[i] = Math.round(random.nextDouble() * 100) / 100.0; // ties on purpose
                y[i] = random.nextDouble() < x[i];
            }
            double[] distinct = java.util.Arrays.stream(x).distinct().sorted().toArray();
            int m = distinct.length;
            double[] sum = new double[m];
            double[] count = new double[m];
            for (int i = 0; i < n; i++) {
                int d = java.util.Arrays.binarySearch(distinct, x[i]);
                sum[d] += y[i] ? 1 : 0;
                count[d]++;
            }
            // value per distinct cosine by the formula; then blocks = runs of equal values
            java.util.Map<Double, double[]> blocks = new java.util.TreeMap<>(); // value -> {cosine sum, weight}
            for (int i = 0; i < m; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double low = Double.POSITIVE_INFINITY;
                    double s = 0;
                    double w = 0;
                    for (int k = j; k < m; k++) {
                        s += sum[k];
                        w += count[k];
                        if (k >= i) {
                            low = Math.min(low, s / w);
                        }
                    }
                    best = Math.max(best, low);
                }
                double[] b = blocks.computeIfAbsent(Math.round(best * 1e9) / 1e9, v -> new double[2]);
                b[0] += distinct[i] * count[i];
                b[1] += count[i];
            }
            Calibration c = Calibration.fit("m", "f", "random", x, y);
            assertThat(c.relevances()).hasSize(blocks.size());
            int i = 0;
            for (var block : blocks.entrySet()) {
                assertThat(c.relevances()[i]).isCloseTo(block.getKey(), within(1e-9));
                assertThat(c.cosines()[i]).isCloseTo(block.getValue()[0] / block.getValue()[1], within(1e-9));
                i++;
            }
        }
    }

    @Test
    void aWeightedFitCountsEachLabelByItsWeightAndTakesLabelsBetweenZeroAndOne() {
        // Weight 3 on the 1.0 at 0.3 outweighs the 0.0 at 0.4 (weight 1): the pool's mean is 0.75,
        // its knot at the weighted mean cosine (0.9 + 0.4) / 4.
        Calibration c = Calibration.fit("m", "f", "test", new double[] {0.1, 0.3, 0.4, 0.6}, new double[] {0.2, 1.0, 0.0, 0.9},
                new double[] {1, 3, 1, 2});
        assertThat(c.cosines()).containsExactly(new double[] {0.1, 0.325, 0.6}, within(1e-12));
        assertThat(c.relevances()).containsExactly(new double[] {0.2, 0.75, 0.9}, within(1e-12));
        // Unit weights and 0/1 labels are the unweighted fit.
        double[] x = {0.4, 0.1, 0.3, 0.2, 0.5, 0.6};
        boolean[] y = {false, false, true, false, true, true};
        double[] labels = {0, 0, 1, 0, 1, 1};
        assertThat(Calibration.fit("m", "f", "test", x, labels, new double[] {1, 1, 1, 1, 1, 1})).isEqualTo(Calibration.fit("m", "f", "test", x, y));
        assertThatThrownBy(() -> Calibration.fit("m", "f", "test", new double[] {0.1}, new double[] {1.5}, new double[] {1}))
                .hasMessageContaining("label in 0..1");
        assertThatThrownBy(() -> Calibration.fit("m", "f", "test", new double[] {0.1}, new double[] {0.5}, new double[] {0}))
                .hasMessageContaining("weight above 0");
    }

    @Test
    void refiningAMapMovesItTowardTheJudgedPairsByTheirWeightAgainstItsOwn() {
        Calibration prior = new Calibration("m", "f", "exports", Calibration.VERSION, new double[] {0.2, 0.8}, new double[] {0.0, 0.6});
        // Pairs that say: relevant from 0.6 up, nothing below. The prior says 0.4 at 0.6, 0.2 at 0.4.
        double[] cosines = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
        boolean[] relevant = {false, false, false, true, true, true};
        Calibration even = prior.refinedBy("corpus", cosines, relevant, 1);
        for (int i = 0; i < cosines.length; i++) {
            // With the prior counting as much as the pair, each point is the mean of the two estimates
            // (they rise with the cosine here, so nothing pools).
            double expected = ((relevant[i] ? 1 : 0) + prior.relevance(cosines[i])) / 2;
            assertThat(even.relevance(cosines[i])).as("at %s", cosines[i]).isCloseTo(expected, within(1e-12));
        }
        Calibration heavyPrior = prior.refinedBy("corpus", cosines, relevant, 1000);
        Calibration lightPrior = prior.refinedBy("corpus", cosines, relevant, 0.001);
        for (int i = 0; i < cosines.length; i++) {
            assertThat(heavyPrior.relevance(cosines[i])).isCloseTo(prior.relevance(cosines[i]), within(0.002));
            assertThat(lightPrior.relevance(cosines[i])).isCloseTo(relevant[i] ? 1 : 0, within(0.002));
        }
        assertThat(even.model()).isEqualTo("m");
        assertThat(even.fingerprint()).isEqualTo("f");
        assertThat(even.fittedOn()).isEqualTo("corpus");
    }

    @Test
    void aHigherRelevanceNeverKeepsALowerCosine() {
        Calibration c = new Calibration("m", "f", "test", Calibration.VERSION, new double[] {0.2, 0.5, 0.8}, new double[] {0.1, 0.4, 0.9});
        assertThat(c.cosineAt(0.05)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(c.cosineAt(0.1)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(c.cosineAt(0.25)).isCloseTo(0.35, within(1e-12));
        assertThat(c.cosineAt(0.9)).isCloseTo(0.8, within(1e-12));
        assertThat(c.cosineAt(0.95)).isEqualTo(Double.POSITIVE_INFINITY);
        double previous = Double.NEGATIVE_INFINITY;
        for (double r = 0.1; r <= 0.9; r += 0.01) {
            double cos = c.cosineAt(r);
            assertThat(cos).isGreaterThanOrEqualTo(previous);
            if (Double.isFinite(cos)) {
                assertThat(c.relevance(cos)).isCloseTo(r, within(1e-9));
                assertThat(c.relevance(cos - 1e-6)).isLessThan(r);
            }
            previous = cos;
        }
    }

    @Test
    void badKnotsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> new Calibration("m", "f", "x", 1, new double[] {0.5, 0.4}, new double[] {0.1, 0.2}))
                .hasMessageContaining("knots must rise");
        assertThatThrownBy(() -> new Calibration("m", "f", "x", 1, new double[] {0.4, 0.5}, new double[] {0.3, 0.2}))
                .hasMessageContaining("knots must rise");
        assertThatThrownBy(() -> new Calibration("m", "f", "x", 1, new double[] {0.4}, new double[] {1.2}))
                .hasMessageContaining("relevance in 0..1");
        assertThatThrownBy(() -> new Calibration("m", "f", "x", 2, new double[] {0.4}, new double[] {0.2}))
                .hasMessageContaining("version 2");
    }

    @Test
    void travelsInTheManifest(@TempDir Path dir) throws Exception {
        Calibration c = Calibration.fit("bge-small-zh-v1.5", "abc", "exports", new double[] {0.3, 0.6, 0.9},
                new boolean[] {false, true, true});
        Manifest m = new Manifest("bge-small-zh-v1.5", 512, "cosine", "smartcn", 1, java.time.Instant.EPOCH, "test", null, "bge-small-zh-v1.5")
                .withCalibration(c);
        Path file = dir.resolve("manifest.json");
        m.write(file);
        assertThat(Manifest.read(file).calibration()).isEqualTo(c);
        Files.writeString(dir.resolve("c.json"), c.toJson());
        assertThat(Calibration.read(dir.resolve("c.json"))).isEqualTo(c);
        assertThat(new Manifest("x", 4, "cosine", "smartcn", 1, java.time.Instant.EPOCH, "t", null).calibration()).isNull();
    }
}
