package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiftChoiceTest {

    /** Per-query nDCG@10 at three lifts over six queries. */
    private static LiftChoice choice(double[] at010, double[] at025, double[] at080) {
        Map<Double, double[]> perQuery = new LinkedHashMap<>();
        perQuery.put(0.1, at010);
        perQuery.put(0.25, at025);
        perQuery.put(0.8, at080);
        return LiftChoice.ofOneColumn(perQuery);
    }

    @Test
    void thePriorStaysUnlessAnotherLiftIsBetterByMoreThanOnePairedStandardError() {
        double[] prior = {0.5, 0.6, 0.7, 0.4, 0.5, 0.6};
        // 0.8 is better on every query by 0.1: the paired differences have no spread, so it leaves the prior.
        LiftChoice clear = choice(prior, prior, new double[] {0.6, 0.7, 0.8, 0.5, 0.6, 0.7});
        assertThat(clear.best()).isEqualTo(0.8);
        assertThat(clear.standardError(0.8, 0.25)).isCloseTo(0, within(1e-12));
        assertThat(clear.departure(0.25)).isEqualTo(0.8);

        // 0.1 is better on the mean (+0.05) by one query, worse on another: within one standard error, the prior stays.
        LiftChoice noisy = choice(new double[] {0.5, 0.6, 0.7, 0.4, 0.4, 1.0}, prior, prior);
        assertThat(noisy.best()).isEqualTo(0.1);
        assertThat(noisy.mean(0.1) - noisy.mean(0.25)).isCloseTo(0.05, within(1e-12));
        assertThat(noisy.standardError(0.1, 0.25)).isCloseTo(Math.sqrt(0.155 / 30), within(1e-12)).isGreaterThan(0.05);
        assertThat(noisy.departure(0.25)).isEqualTo(0.25);
    }

    @Test
    void aConsistentButTinyGainDoesNotLeaveThePrior() {
        double[] prior = {0.5, 0.6, 0.7, 0.4, 0.5, 0.6};
        // Better on every query, by 0.001: no spread at all, but under the least gain worth a departure.
        LiftChoice tiny = choice(prior, prior, new double[] {0.501, 0.601, 0.701, 0.401, 0.501, 0.601});
        assertThat(tiny.best()).isEqualTo(0.8);
        assertThat(tiny.mean(0.8) - tiny.mean(0.25)).isLessThan(LiftChoice.MIN_GAIN);
        assertThat(tiny.departure(0.25)).isEqualTo(0.25);
    }

    @Test
    void tiesGoToTheSmallerLiftAndThePriorWinsATie() {
        double[] same = {0.3, 0.4, 0.5};
        Map<Double, double[]> perQuery = new LinkedHashMap<>();
        perQuery.put(0.1, same);
        perQuery.put(0.25, same);
        LiftChoice tie = LiftChoice.ofOneColumn(perQuery);
        assertThat(tie.best()).isEqualTo(0.1);
        assertThat(tie.departure(0.25)).isEqualTo(0.25);
    }
}
