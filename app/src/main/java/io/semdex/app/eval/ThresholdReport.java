package io.semdex.app.eval;

import io.semdex.query.Hit;
import io.semdex.query.SearchMode;
import io.semdex.query.SearchRequest;
import io.semdex.query.Searcher;
import io.semdex.query.ThresholdScale;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the slider keeps, measured: for {@code vector} and the default {@code hybrid}, on the raw
 * cosine and on the calibrated scale, and slider values 0.1 … 0.9, the hits a search keeps of its top
 * {@value #TOP} (one per document, as the page shows them), their precision and recall against the
 * judgments (a grade above 0 is relevant), and the share of queries left with no hit. Every cell is
 * the search API's own answer to a request with that threshold.
 */
public final class ThresholdReport {

    /** Hits per query the report looks at: a first page. */
    public static final int TOP = 10;
    /** Slider positions, as on the page. */
    public static final double[] SLIDER = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    /** The modes of the report: vector alone and the search API's default hybrid. */
    static final List<Evaluation.Setting> MODES = List.of(Evaluation.Setting.vector(), Evaluation.Setting.hybridDefault());

    /** One row: a mode, a scale and a slider value. */
    public record Row(String mode, ThresholdScale scale, double slider, double hitsPerQuery, double precision, double recall,
            double noHitQueries) {}

    /**
     * How often the default threshold keeps a hit where one is wanted.
     *
     * @param withRelevant queries with a judged relevant document in their unthresholded top {@value #TOP}
     * @param kept of those, queries the default threshold leaves at least one hit
     */
    public record DefaultKeeps(String mode, int withRelevant, int kept) {

        public double share() {
            return withRelevant == 0 ? 1 : (double) kept / withRelevant;
        }
    }

    public record Report(List<Row> rows, List<DefaultKeeps> defaults) {

        public Row row(String mode, ThresholdScale scale, double slider) {
            return rows.stream().filter(r -> r.mode().equals(mode) && r.scale() == scale && Math.abs(r.slider() - slider) < 1e-9)
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no row " + mode + " " + scale + " " + slider));
        }
    }

    private ThresholdReport() {}

    public static Report measure(Searcher searcher, BeirDataset data, int candidates, int rrfK, boolean ignoreIdenticalIds)
            throws IOException {
        List<Row> rows = new ArrayList<>();
        List<DefaultKeeps> defaults = new ArrayList<>();
        for (Evaluation.Setting mode : MODES) {
            Map<String, List<Hit>> unthresholded = new HashMap<>();
            for (Map.Entry<String, String> query : data.queries().entrySet()) {
                unthresholded.put(query.getKey(), search(searcher, query, mode, ThresholdScale.COSINE, SearchRequest.NO_THRESHOLD,
                        candidates, rrfK, ignoreIdenticalIds));
            }
            for (ThresholdScale scale : ThresholdScale.values()) {
                for (double slider : SLIDER) {
                    rows.add(row(searcher, data, mode, scale, slider, candidates, rrfK, ignoreIdenticalIds, unthresholded));
                }
            }
            int withRelevant = 0;
            int kept = 0;
            for (Map.Entry<String, String> query : data.queries().entrySet()) {
                Map<String, Integer> grades = data.qrels().get(query.getKey());
                List<Hit> all = unthresholded.get(query.getKey());
                if (all.stream().anyMatch(h -> relevant(grades, h))) {
                    withRelevant++;
                    if (!search(searcher, query, mode, ThresholdScale.DEFAULT, SearchRequest.DEFAULT_THRESHOLD, candidates, rrfK,
                            ignoreIdenticalIds).isEmpty()) {
                        kept++;
                    }
                }
            }
            defaults.add(new DefaultKeeps(mode.label(), withRelevant, kept));
        }
        return new Report(rows, defaults);
    }

    private static Row row(Searcher searcher, BeirDataset data, Evaluation.Setting mode, ThresholdScale scale, double slider,
            int candidates, int rrfK, boolean ignoreIdenticalIds, Map<String, List<Hit>> unthresholded) throws IOException {
        long kept = 0;
        long relevantKept = 0;
        double recall = 0;
        int noHit = 0;
        for (Map.Entry<String, String> query : data.queries().entrySet()) {
            Map<String, Integer> grades = data.qrels().get(query.getKey());
            List<Hit> hits = mode.mode() == SearchMode.VECTOR
                    ? kept(unthresholded.get(query.getKey()), scale, slider)
                    : search(searcher, query, mode, scale, slider, candidates, rrfK, ignoreIdenticalIds);
            long good = hits.stream().filter(h -> relevant(grades, h)).count();
            long judged = grades.values().stream().filter(g -> g > 0).count();
            kept += hits.size();
            relevantKept += good;
            recall += judged == 0 ? 0 : (double) good / judged;
            noHit += hits.isEmpty() ? 1 : 0;
        }
        int n = data.queries().size();
        return new Row(mode.label(), scale, slider, n == 0 ? 0 : (double) kept / n, kept == 0 ? Double.NaN : (double) relevantKept / kept,
                n == 0 ? 0 : recall / n, n == 0 ? 0 : (double) noHit / n);
    }

    /**
     * What a thresholded {@code vector} search keeps of the unthresholded one's top hits: the cut
     * comes before ranking, and ranking is by the cosine the cut is monotone in, so the kept hits are
     * a prefix of the unthresholded ranking (a document's best unit passes whenever any of its units
     * does). This is the search API's answer without asking it again; hybrid, whose fusion sees the
     * cut lists, is asked each time.
     */
    static List<Hit> kept(List<Hit> ranking, ThresholdScale scale, double threshold) {
        List<Hit> kept = new ArrayList<>();
        for (Hit hit : ranking) {
            boolean calibrated = scale == ThresholdScale.CALIBRATED && hit.relevance() != null;
            double value = calibrated ? hit.relevance() : hit.cosine();
            if (value >= threshold) {
                kept.add(hit);
            }
        }
        return kept;
    }

    private static boolean relevant(Map<String, Integer> grades, Hit hit) {
        Integer grade = grades.get(hit.docId());
        return grade != null && grade > 0;
    }

    private static List<Hit> search(Searcher searcher, Map.Entry<String, String> query, Evaluation.Setting mode, ThresholdScale scale,
            double threshold, int candidates, int rrfK, boolean ignoreIdenticalIds) throws IOException {
        SearchRequest request = SearchRequest.builder(Evaluation.clip(query.getValue()))
                .k(TOP + (ignoreIdenticalIds ? 1 : 0)).candidates(candidates).groupByDoc(true).highlight(false)
                .thresholdScale(scale).threshold(threshold)
                .mode(mode.mode()).fusion(mode.fusion()).alpha(mode.alpha()).rrfK(rrfK)
                .build();
        List<Hit> hits = new ArrayList<>(searcher.search(request).hits());
        if (ignoreIdenticalIds) {
            hits.removeIf(h -> h.docId().equals(query.getKey()));
        }
        return hits.size() > TOP ? hits.subList(0, TOP) : hits;
    }

    /** The report as Markdown: the table (its columns are a stable format that scripts read), then the default's keep rate. */
    public static String markdown(Report report) {
        StringBuilder out = new StringBuilder("| mode | scale | slider | hits/query | precision | recall | no-hit queries |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        for (Row r : report.rows()) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.2f | %s | %.4f | %.4f |%n", r.mode(), r.scale().label(), r.slider(),
                    r.hitsPerQuery(), Double.isNaN(r.precision()) ? "-" : String.format(Locale.ROOT, "%.4f", r.precision()), r.recall(),
                    r.noHitQueries()));
        }
        for (DefaultKeeps d : report.defaults()) {
            out.append(String.format(Locale.ROOT, "%n%s: the default threshold (%s %.2f) keeps a hit for %d of %d queries (%.1f %%) that have "
                            + "a judged relevant document in their top %d.", d.mode(), ThresholdScale.DEFAULT.label(),
                    SearchRequest.DEFAULT_THRESHOLD, d.kept(), d.withRelevant(), 100 * d.share(), TOP));
        }
        return out.append('\n').toString();
    }
}
