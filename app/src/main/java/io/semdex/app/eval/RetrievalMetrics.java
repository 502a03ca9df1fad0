package io.semdex.app.eval;

import java.util.List;
import java.util.Map;

/**
 * The retrieval measures of the evaluation, as trec_eval and BEIR compute them: nDCG with linear
 * graded gains ({@code grade / log2(rank + 1)}, ideal order from all judgments), recall of the
 * documents judged relevant (grade &gt; 0), and the reciprocal rank of the first relevant one.
 * A document not judged counts as grade 0.
 */
final class RetrievalMetrics {

    private RetrievalMetrics() {}

    static double ndcg(List<String> ranking, Map<String, Integer> grades, int depth) {
        double dcg = 0;
        for (int i = 0; i < Math.min(depth, ranking.size()); i++) {
            dcg += gain(grades.get(ranking.get(i))) / log2(i + 2);
        }
        List<Integer> ideal = grades.values().stream().filter(g -> g > 0).sorted((a, b) -> b - a).toList();
        double idcg = 0;
        for (int i = 0; i < Math.min(depth, ideal.size()); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    static double recall(List<String> ranking, Map<String, Integer> grades, int depth) {
        long relevant = grades.values().stream().filter(g -> g > 0).count();
        if (relevant == 0) {
            return 0;
        }
        long found = ranking.stream().limit(depth).filter(d -> gain(grades.get(d)) > 0).count();
        return (double) found / relevant;
    }

    static double reciprocalRank(List<String> ranking, Map<String, Integer> grades, int depth) {
        for (int i = 0; i < Math.min(depth, ranking.size()); i++) {
            if (gain(grades.get(ranking.get(i))) > 0) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    private static double gain(Integer grade) {
        return grade == null || grade < 0 ? 0 : grade;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
