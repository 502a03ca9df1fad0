package io.semdex.app.eval;

import io.semdex.query.Fusion;
import io.semdex.query.Hit;
import io.semdex.query.SearchMode;
import io.semdex.query.SearchRequest;
import io.semdex.query.SearchResponse;
import io.semdex.query.Searcher;
import io.semdex.query.ThresholdScale;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs every query of a {@link BeirDataset} through the {@link Searcher} in one setting and averages
 * nDCG@10, Recall@100 and MRR@10. Documents are ranked by their best unit ({@code group=doc}), with
 * no cosine threshold unless one is given, so that modes are compared on ranking alone.
 */
public final class Evaluation {

    /** Hits per query: enough for Recall@100. */
    static final int DEPTH = 100;

    /**
     * One way of searching: a mode, and for hybrid its fusion and vector weight (null: the weight
     * adapts per query, as the search API does when a request gives none).
     */
    record Setting(String label, SearchMode mode, Fusion fusion, Double alpha) {

        static Setting keyword() {
            return new Setting("keyword", SearchMode.KEYWORD, SearchRequest.DEFAULT_FUSION, null);
        }

        static Setting vector() {
            return new Setting("vector", SearchMode.VECTOR, SearchRequest.DEFAULT_FUSION, null);
        }

        static Setting hybrid(Fusion fusion, double alpha) {
            return new Setting("hybrid-" + fusion.label(), SearchMode.HYBRID, fusion, alpha);
        }

        /** The search API's {@code hybrid} as a request without fusion parameters gets it. */
        static Setting hybridDefault() {
            return new Setting("hybrid-default", SearchMode.HYBRID, SearchRequest.DEFAULT_FUSION, null);
        }
    }

    /**
     * Averages over the queries.
     *
     * @param alpha the mean vector weight fusion used (as each response names it); NaN outside hybrid mode
     * @param ndcgs each query's nDCG@10, in the set's query order (for paired comparisons)
     */
    record Scores(double ndcg10, double recall100, double mrr10, int queries, double alpha, double[] ndcgs) {}

    /**
     * @param candidates units each side retrieves per query ({@code candidates} of the search API)
     * @param threshold minimum cosine, -1 for none
     * @param ignoreIdenticalIds leave a document whose id is the query's out of its ranking (BEIR's {@code ignore_identical_ids})
     */
    static Scores run(Searcher searcher, BeirDataset data, Setting setting, int candidates, int rrfK, double threshold,
            boolean ignoreIdenticalIds) throws IOException {
        double ndcg = 0;
        double recall = 0;
        double mrr = 0;
        double alpha = 0;
        double[] ndcgs = new double[data.queries().size()];
        int i = 0;
        for (Map.Entry<String, String> query : data.queries().entrySet()) {
            SearchRequest request = SearchRequest.builder(clip(query.getValue()))
                    .k(DEPTH).candidates(candidates).groupByDoc(true).thresholdScale(ThresholdScale.COSINE).threshold(threshold).highlight(false)
                    .mode(setting.mode()).fusion(setting.fusion()).alpha(setting.alpha()).rrfK(rrfK)
                    .build();
            List<String> ranking = new ArrayList<>(DEPTH);
            SearchResponse response = searcher.search(request);
            alpha += response.alpha() != null ? response.alpha() : Double.NaN;
            for (Hit hit : response.hits()) {
                if (!(ignoreIdenticalIds && hit.docId().equals(query.getKey()))) {
                    ranking.add(hit.docId());
                }
            }
            Map<String, Integer> grades = data.qrels().get(query.getKey());
            ndcgs[i] = RetrievalMetrics.ndcg(ranking, grades, 10);
            ndcg += ndcgs[i++];
            recall += RetrievalMetrics.recall(ranking, grades, 100);
            mrr += RetrievalMetrics.reciprocalRank(ranking, grades, 10);
        }
        int n = data.queries().size();
        return n == 0 ? new Scores(0, 0, 0, 0, Double.NaN, ndcgs) : new Scores(ndcg / n, recall / n, mrr / n, n, alpha / n, ndcgs);
    }

    /** The search API takes queries up to its limit; a longer test query is cut there, as a client would. */
    public static String clip(String query) {
        return query.length() <= SearchRequest.MAX_QUERY_CHARS ? query : query.substring(0, SearchRequest.MAX_QUERY_CHARS);
    }
}
