package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.query.Hit;
import io.semdex.query.ThresholdScale;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdReportTest {

    private static Hit hit(String doc, double cosine, Double relevance) {
        return new Hit(1, doc + "#0", doc, null, "text", null, cosine, relevance, 0, cosine, "weak", List.of());
    }

    @Test
    void aVectorRankingKeepsThePrefixAtOrAboveTheThresholdOnItsScale() {
        List<Hit> ranking = List.of(hit("a", 0.9, 0.8), hit("b", 0.7, 0.4), hit("c", 0.5, 0.1));
        assertThat(ThresholdReport.kept(ranking, ThresholdScale.CALIBRATED, 0.4)).extracting(Hit::docId).containsExactly("a", "b");
        assertThat(ThresholdReport.kept(ranking, ThresholdScale.COSINE, 0.6)).extracting(Hit::docId).containsExactly("a", "b");
        assertThat(ThresholdReport.kept(ranking, ThresholdScale.CALIBRATED, 0.9)).isEmpty();
        // An uncalibrated generation's hits carry no relevance: the calibrated scale falls back to the cosine, as the API does.
        List<Hit> uncalibrated = List.of(hit("a", 0.9, null), hit("b", 0.3, null));
        assertThat(ThresholdReport.kept(uncalibrated, ThresholdScale.CALIBRATED, 0.5)).extracting(Hit::docId).containsExactly("a");
    }

    @Test
    void theTableKeepsTheColumnsOutsideScriptsRead() {
        ThresholdReport.Report report = new ThresholdReport.Report(
                List.of(new ThresholdReport.Row("vector", ThresholdScale.CALIBRATED, 0.5, 0.68, 0.9126, 0.6189, 0.3739),
                        new ThresholdReport.Row("hybrid-default", ThresholdScale.COSINE, 0.9, 0, Double.NaN, 0, 1)),
                List.of(new ThresholdReport.DefaultKeeps("vector", 1248, 1141)));
        String md = ThresholdReport.markdown(report);
        assertThat(md).startsWith("| mode | scale | slider | hits/query | precision | recall | no-hit queries |\n|---|---|---|---|---|---|---|\n")
                .contains("| vector | calibrated | 0.5 | 0.68 | 0.9126 | 0.6189 | 0.3739 |\n")
                .contains("| hybrid-default | cosine | 0.9 | 0.00 | - | 0.0000 | 1.0000 |\n")
                .contains("keeps a hit for 1141 of 1248 queries (91.4 %)");
    }
}
