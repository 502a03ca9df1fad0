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
        return fit(searcher, data, modelId, fingerprint, describedData, candidates, null);
    }

    /**
     * As {@link #fit(Searcher, BeirDataset, String, String, String, int)}, refining {@code prior} (the
     * model's map) where one is given, as a generation's fit does ({@link GenerationCalibrator#refine}).
     */
    static Calibration fit(Searcher searcher, BeirDataset data, String modelId, String fingerprint, String describedData, int candidates,
            Calibration prior) throws IOException {
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
        return prior == null ? Calibration.fit(modelId, fingerprint, fittedOn, c, r)
                : GenerationCalibrator.refine(prior, modelId, fingerprint, fittedOn, c, r, data.queries().size());
    }

    /** Relevance thresholds whose keep rate {@link #keepRates} reports. */
    static final double[] DEFAULT_CANDIDATES = {0.01, 0.02, 0.03, 0.05, 0.1, 0.2};

    /**
     * On the fitting data itself: for each of {@link #DEFAULT_CANDIDATES}, the share of queries with
     * their relevant document in the top {@value ThresholdReport#TOP} whose best hit reaches that
     * relevance, so keeps a hit at that threshold. What the default threshold is chosen by.
     */
    static String keepRates(Searcher searcher, BeirDataset data, Calibration calibration, int candidates) throws IOException {
        int withRelevant = 0;
        int[] kept = new int[DEFAULT_CANDIDATES.length];
        for (Map.Entry<String, String> query : data.queries().entrySet()) {
            SearchRequest request = SearchRequest.builder(Evaluation.clip(query.getValue()))
                    .k(ThresholdReport.TOP).candidates(candidates).groupByDoc(true).highlight(false).noThreshold()
                    .mode(SearchMode.VECTOR).build();
            Map<String, Integer> grades = data.qrels().get(query.getKey());
            java.util.List<Hit> hits = searcher.search(request).hits();
            if (hits.stream().anyMatch(h -> grades.getOrDefault(h.docId(), 0) > 0)) {
                withRelevant++;
                double best = calibration.relevance(hits.get(0).cosine());
                for (int i = 0; i < kept.length; i++) {
                    kept[i] += best >= DEFAULT_CANDIDATES[i] ? 1 : 0;
                }
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "Of the %d fitting queries with their document in the top %d, a threshold keeps a hit for:", withRelevant, ThresholdReport.TOP));
        for (int i = 0; i < kept.length; i++) {
            out.append(String.format(Locale.ROOT, " %.2f → %.1f %%;", DEFAULT_CANDIDATES[i], 100.0 * kept[i] / Math.max(1, withRelevant)));
        }
        return out.toString();
    }
}
