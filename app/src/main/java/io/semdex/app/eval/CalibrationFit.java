package io.semdex.app.eval;

import io.semdex.core.Calibration;
import io.semdex.query.Hit;
import io.semdex.query.SearchMode;
import io.semdex.query.SearchRequest;
import io.semdex.query.Searcher;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * Fits a model's {@link Calibration} on a judged set: every query's top {@value ThresholdReport#TOP}
 * documents by vector search (one hit per document, by its best unit, as the page shows them), each
 * a pair of its raw cosine and whether it is judged relevant, and isotonic regression over the pairs.
 * The fitted relevance of a cosine is so the share of top hits with about that cosine that are
 * relevant: what the precision of a slider set there comes to.
 */
final class CalibrationFit {

    private CalibrationFit() {}

    static Calibration fit(Searcher searcher, BeirDataset data, String modelId, String fingerprint, String describedData, int candidates)
            throws IOException {
        int n = data.queries().size() * ThresholdReport.TOP;
        double[] cosines = new double[n];
        boolean[] relevant = new boolean[n];
        int pairs = 0;
        for (Map.Entry<String, String> query : data.queries().entrySet()) {
            SearchRequest request = SearchRequest.builder(Evaluation.clip(query.getValue()))
                    .k(ThresholdReport.TOP).candidates(candidates).groupByDoc(true).highlight(false).noThreshold()
                    .mode(SearchMode.VECTOR).build();
            Map<String, Integer> grades = data.qrels().get(query.getKey());
            for (Hit hit : searcher.search(request).hits()) {
                Integer grade = grades.get(hit.docId());
                cosines[pairs] = Math.max(-1, Math.min(1, hit.cosine()));
                relevant[pairs++] = grade != null && grade > 0;
            }
        }
        double[] c = java.util.Arrays.copyOf(cosines, pairs);
        boolean[] r = java.util.Arrays.copyOf(relevant, pairs);
        int positives = 0;
        for (boolean b : r) {
            positives += b ? 1 : 0;
        }
        String fittedOn = String.format(Locale.ROOT, "%s: %d queries, top %d documents each by vector search, %d judged pairs (%d relevant)",
                describedData, data.queries().size(), ThresholdReport.TOP, pairs, positives);
        return Calibration.fit(modelId, fingerprint, fittedOn, c, r);
    }
}
