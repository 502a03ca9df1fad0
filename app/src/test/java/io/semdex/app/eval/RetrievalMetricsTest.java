package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metrics on an example worked by hand. Ranking a, b, c, d; judgments b=3, c=0, d=1, e=2
 * (a unjudged, e not retrieved).
 * <pre>
 * DCG@10  = 3/log2(3) + 1/log2(5)               = 1.892789 + 0.430677 = 2.323466
 * IDCG@10 = 3/log2(2) + 2/log2(3) + 1/log2(4)   = 3 + 1.261860 + 0.5  = 4.761860
 * nDCG@10 = 2.323466 / 4.761860                 = 0.487932
 * nDCG@2  = (3/log2(3)) / (3 + 2/log2(3))       = 1.892789 / 4.261860 = 0.444123
 * Recall@100 = |{b, d}| / |{b, d, e}| = 2/3;  Recall@2 = 1/3
 * MRR@10 = 1/2 (b at rank 2);  MRR@1 = 0
 * </pre>
 */
class RetrievalMetricsTest {

    private static final List<String> RANKING = List.of("a", "b", "c", "d");
    private static final Map<String, Integer> GRADES = Map.of("b", 3, "c", 0, "d", 1, "e", 2);

    @Test
    void ndcgUsesLinearGradedGainsAndTheIdealOrderOfAllJudgments() {
        assertThat(RetrievalMetrics.ndcg(RANKING, GRADES, 10)).isCloseTo(0.487932, within(1e-6));
        assertThat(RetrievalMetrics.ndcg(RANKING, GRADES, 2)).isCloseTo(0.444123, within(1e-6));
        assertThat(RetrievalMetrics.ndcg(List.of("b", "e", "d"), GRADES, 10)).isCloseTo(1.0, within(1e-12));
        assertThat(RetrievalMetrics.ndcg(List.of(), GRADES, 10)).isZero();
    }

    @Test
    void recallCountsTheDocumentsJudgedRelevant() {
        assertThat(RetrievalMetrics.recall(RANKING, GRADES, 100)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(RetrievalMetrics.recall(RANKING, GRADES, 2)).isCloseTo(1.0 / 3, within(1e-12));
    }

    @Test
    void reciprocalRankIsOfTheFirstRelevantDocumentWithinTheDepth() {
        assertThat(RetrievalMetrics.reciprocalRank(RANKING, GRADES, 10)).isEqualTo(0.5);
        assertThat(RetrievalMetrics.reciprocalRank(RANKING, GRADES, 1)).isZero();
        assertThat(RetrievalMetrics.reciprocalRank(List.of("c", "a"), GRADES, 10)).as("grade 0 is not relevant").isZero();
    }
}
