package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationRuleTest {

    @Test
    void theLargestLiftWithinOnePairedStandardErrorOfTheBestIsChosen() {
        Map<Double, double[][]> lifts = new LinkedHashMap<>();
        lifts.put(0.1, new double[][] {{0.8, 1, 1, 1}}); // the best mean, 0.95
        lifts.put(0.2, new double[][] {{1, 1, 1, 0.75}}); // 0.0125 below, paired standard error 0.092: within
        lifts.put(0.3, new double[][] {{0.8, 1, 0.7, 0.7}}); // 0.15 below, standard error 0.087: out
        lifts.put(0.4, new double[][] {{1, 1, 0.9, 0.8}}); // 0.025 below, standard error 0.085: within, and the largest
        lifts.put(0.5, new double[][] {{0, 0, 0, 0}});
        EvalCommand.LiftCalibration calibration = new EvalCommand.LiftCalibration("set", List.of("model, questions"), Map.of(), lifts);

        assertThat(calibration.best()).isEqualTo(0.1);
        assertThat(calibration.mean(0.1)).isCloseTo(0.95, within(1e-12));
        assertThat(calibration.standardError(0.3, 0.1)).isCloseTo(Math.sqrt(0.03 / 4), within(1e-12));
        assertThat(calibration.chosen()).isEqualTo(0.4);
        assertThat(calibration.markdown()).contains("**hybrid-default, full lift 0.40**");
    }

    @Test
    void everyColumnCountsAlikeWhateverItsNumberOfQueries() {
        Map<Double, double[][]> lifts = new LinkedHashMap<>();
        lifts.put(0.1, new double[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {0}});
        lifts.put(0.2, new double[][] {{0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}, {1}});
        EvalCommand.LiftCalibration calibration = new EvalCommand.LiftCalibration("set", List.of("a", "b"), Map.of(), lifts);

        assertThat(calibration.mean(0.1)).isEqualTo(0.5);
        assertThat(calibration.mean(0.2)).isCloseTo(0.95, within(1e-12));
        assertThat(calibration.best()).isEqualTo(0.2);
    }
}
