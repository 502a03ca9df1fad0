package io.semdex.app.eval;

import io.semdex.app.Launcher;
import io.semdex.app.ModelSpecConverter;
import io.semdex.core.Calibration;
import io.semdex.core.FusionCalibration;
import io.semdex.core.ContentHash;
import io.semdex.core.IndexLayout;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelCalibrations;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.Slot;
import io.semdex.query.Fusion;
import io.semdex.query.FusionWeights;
import io.semdex.query.LiveIndex;
import io.semdex.query.SearchRequest;
import io.semdex.query.Searcher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code semdex eval DATASET}: indexes a BEIR-layout set with the production parts (splitter,
 * embedder, shard writer, searcher) and prints nDCG@10, Recall@100 and MRR@10 of keyword, vector,
 * both hybrid fusions at a fixed vector weight and the API's default hybrid as a Markdown table.
 * {@code semdex eval --table} runs every row of README's evaluation table and prints that table.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Indexes a BEIR-layout retrieval set (corpus.jsonl, queries.jsonl, qrels/test.tsv) with semdex's own",
                "splitter, embedder, Lucene shard writer and searcher, then prints nDCG@10, Recall@100 and MRR@10",
                "for keyword, vector, hybrid-rrf and hybrid-linear (fixed vector weights) and hybrid-default (the search",
                "API's default hybrid: weights adapted per query) as a Markdown table.",
                "Documents are ranked by their best unit (group=doc); no cosine threshold unless --threshold.",
                "--table runs every set and model of README's evaluation table and prints that table.",
                "--calibrate chooses the default hybrid's one sensitive constant on questions and headings cut from ../shared/data/docs, no evaluation set.",
                "--thresholds adds a table of what the slider keeps (hits, precision, recall, queries left with none) on the raw and the calibrated scale.",
                "--fit-calibration fits a model's map from raw cosine to calibrated relevance on questions and headings cut from exports (no DATASET)."})
public final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DATASET",
            description = "A folder in BEIR layout, or the name of one under ../shared/data/eval (esci-dev, stackfaq, xquad-en, xquad-zh).")
    String dataset;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Embedding model spec, e.g. bge-small-en-v1.5-q or 'bge-small-zh-v1.5?prune=false' (default: ${DEFAULT-VALUE}).")
    EmbedderSpec model;

    @Option(names = "--queries", paramLabel = "DIR",
            description = "Take queries.jsonl from DIR (same query ids, e.g. another language: xquad-zh queries against the xquad-en corpus).")
    String queries;

    @Option(names = "--analyzer", description = "Text analyzer: ${COMPLETION-CANDIDATES} (default: by the corpus language).",
            completionCandidates = AnalyzerNames.class)
    String analyzer;

    @Option(names = "--docs", paramLabel = "N", description = "Only the first N documents and the queries judged on them.")
    Integer docs;

    @Option(names = "--candidates", defaultValue = "300",
            description = "Units each side retrieves per query before fusion and grouping (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--rrf-k", defaultValue = "" + SearchRequest.DEFAULT_RRF_K, description = "RRF constant k (default: ${DEFAULT-VALUE}).")
    int rrfK;

    @Option(names = "--alpha-linear", defaultValue = "" + SearchRequest.DEFAULT_LINEAR_ALPHA,
            description = "Vector weight of linear fusion (default: ${DEFAULT-VALUE}).")
    double alphaLinear;

    @Option(names = "--alpha-rrf", defaultValue = "" + SearchRequest.DEFAULT_RRF_ALPHA,
            description = "Vector weight of RRF (default: ${DEFAULT-VALUE}).")
    double alphaRrf;

    @Option(names = "--threshold", defaultValue = "-1", description = "Minimum cosine of vector and hybrid hits (default: ${DEFAULT-VALUE}, none).")
    double threshold;

    @Option(names = "--sweep", description = "Also print nDCG@10 of both fusions for vector weights 0, 0.1, …, 1.")
    boolean sweep;

    @Option(names = "--table", description = "Evaluate every row of README's evaluation table (all sets and models, no DATASET) "
            + "and print that table.")
    boolean table;

    @Option(names = "--calibrate", description = "Compare the default hybrid's full lift (the lift above the background cosine that earns "
            + "the vector side its full weight) on questions and headings cut from the exports in ../shared/data/docs, with README's "
            + "models; print nDCG@10 per lift and the lift the one-standard-error rule chooses (no DATASET).")
    boolean calibrate;

    @Option(names = "--thresholds", description = "After the usual table, print what the slider keeps: per mode (vector, hybrid-default), "
            + "scale (cosine, calibrated) and slider 0.1..0.9, the hits kept per query of the top 10, their precision and recall against the "
            + "judgments (grade > 0 is relevant) and the share of queries with no hit.")
    boolean thresholds;

    @Option(names = "--lifts", description = "After the usual table, print nDCG@10 of the default hybrid at each full lift (the lift "
            + "above the background cosine that earns the vector side its full weight), beside keyword and vector alone, for the set's "
            + "queries and for pseudo-queries cut from its documents.")
    boolean lifts;

    @Option(names = "--keep-identical-ids", description = "Let a query retrieve a corpus document of its own id. By default such a "
            + "document is left out of the query's ranking, as BEIR's ignore_identical_ids does (ArguAna, Quora), so figures compare with "
            + "published BEIR tables.")
    boolean keepIdenticalIds;

    @Option(names = "--fit-calibration", description = "Fit --model's map from raw cosine to calibrated relevance (isotonic regression on "
            + "the top 10 vector hits of every query) on questions and headings cut from the exports in --calibration-data, and write it "
            + "to --out (or print it). Name the file in the model spec (calibration=FILE) to use it (no DATASET).")
    boolean fitCalibration;

    @Option(names = "--calibration-data", paramLabel = "DIR",
            description = "Folder of export folders to cut calibration queries from, as one corpus; may be repeated "
                    + "(default: ../shared/data/docs).")
    List<Path> calibrationData;

    /** Where the threshold map of an evaluation index comes from. */
    public enum CalibrationSource { generation, model }

    @Option(names = "--calibration-source", defaultValue = "generation",
            description = "The threshold map and full lift the index gets: generation (fitted at build time on pseudo-queries cut from "
                    + "the set's own documents, as a reindex does) or model (the model's own calibration and the service's full lift). "
                    + "Default: ${DEFAULT-VALUE}.")
    CalibrationSource calibrationSource;

    @Option(names = "--exports", paramLabel = "DIR",
            description = "Instead of DATASET, evaluate on questions and headings cut from the export folders under DIR (may be repeated), "
                    + "as --fit-calibration cuts them: a judged set from any exports, e.g. ones no default was chosen on.")
    List<Path> exports;

    @Option(names = "--out", paramLabel = "FILE", description = "Where --fit-calibration writes the calibration (JSON).")
    Path out;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Keeps the index and an embedding cache here (default: semdex-eval in the system temp directory).")
    Path work;

    /** Set when this run is one row of {@code --table}. */
    private TableRow tableRow;

    /** One line of the result table. */
    record Row(String label, Evaluation.Scores scores) {}

    /** What a run measured, for the table and for regression tests. */
    /** @param fullLift the full lift the evaluation index's default hybrid used (its generation's, or the constant) */
    record Report(String title, List<Row> rows, List<String> notes, TableRow row, double fullLift) {

        Evaluation.Scores scores(String label) {
            return rows.stream().filter(r -> r.label().equals(label)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row '" + label + "'")).scores();
        }
    }

    /** A row of README's evaluation table: a set, optionally another set's queries, and a model. */
    record TableRow(String dataset, String queries, EmbedderSpec model) {

        String label() {
            return (queries == null ? dataset : queries + " queries → " + dataset + " corpus") + " (" + model + ")";
        }

        String command() {
            return "./semdex eval " + dataset + (queries == null ? "" : " --queries ../shared/data/eval/" + queries) + " --model " + model;
        }
    }

    /** The models of README's evaluation table. */
    private static final EmbedderSpec BGE_SMALL_EN_Q = EmbedderSpec.parse("bge-small-en-v1.5-q");
    private static final EmbedderSpec BGE_SMALL_ZH = EmbedderSpec.parse("bge-small-zh-v1.5");

    /** The rows of README's evaluation table, in its order. */
    static final List<TableRow> README_TABLE = List.of(
            new TableRow("esci-dev", null, BGE_SMALL_EN_Q),
            new TableRow("stackfaq", null, BGE_SMALL_EN_Q),
            new TableRow("xquad-en", null, BGE_SMALL_EN_Q),
            new TableRow("esci-dev", null, BGE_SMALL_ZH),
            new TableRow("xquad-en", null, BGE_SMALL_ZH),
            new TableRow("xquad-zh", null, BGE_SMALL_ZH),
            new TableRow("xquad-en", "xquad-zh", BGE_SMALL_ZH));

    /** The lifts {@code --calibrate} compares. */
    static final List<Double> CALIBRATION_LIFTS = LiftChoice.LIFTS;

    /** The columns of README's evaluation table. */
    static final List<String> TABLE_MODES = List.of("keyword", "vector", "hybrid-rrf", "hybrid-linear", "hybrid-default");

    @Override
    public Integer call() throws Exception {
        if (fitCalibration) {
            if (dataset != null || docs != null || queries != null || table || calibrate) {
                throw new IllegalArgumentException("--fit-calibration cuts its own set from --calibration-data: give no DATASET, --docs, "
                        + "--queries, --table or --calibrate");
            }
            Calibration fitted = fitCalibration(System.out);
            if (out != null) {
                Files.writeString(out, fitted.toJson() + "\n");
                System.out.println("Wrote " + fitted + " to " + out + "; use it with --model '" + model + (model.text().contains("?") ? "&" : "?")
                        + "calibration=" + out.toAbsolutePath() + "'");
            } else {
                System.out.println(fitted.toJson());
            }
            return 0;
        }
        if (calibrate) {
            if (dataset != null || docs != null || queries != null || table) {
                throw new IllegalArgumentException("--calibrate cuts its own set from ../shared/data/docs: give no DATASET, --docs, --queries or --table");
            }
            System.out.println(calibration(System.out).markdown());
            return 0;
        }
        if (table) {
            if (dataset != null || docs != null || queries != null) {
                throw new IllegalArgumentException("--table runs README's rows itself: give no DATASET, --docs or --queries");
            }
            List<Report> reports = new ArrayList<>();
            for (TableRow row : README_TABLE) {
                EvalCommand one = copyFor(row);
                Report report = one.evaluate(System.out);
                System.out.println(markdown(report));
                reports.add(report);
            }
            System.out.println();
            System.out.println(readmeTable(reports));
            return 0;
        }
        if (dataset == null && (exports == null || exports.isEmpty())) {
            throw new IllegalArgumentException("give a DATASET (or --exports DIR), or --table for README's whole table");
        }
        Report report = evaluate(System.out);
        System.out.println();
        System.out.println(markdown(report));
        return 0;
    }

    /** This command's settings (candidates, weights, threshold, work folder) for one row of the table. */
    private EvalCommand copyFor(TableRow row) {
        EvalCommand one = new EvalCommand();
        one.dataset = row.dataset();
        one.queries = row.queries();
        one.model = row.model();
        one.analyzer = analyzer;
        one.candidates = candidates;
        one.rrfK = rrfK;
        one.alphaLinear = alphaLinear;
        one.alphaRrf = alphaRrf;
        one.threshold = threshold;
        one.keepIdenticalIds = keepIdenticalIds;
        one.calibrationSource = calibrationSource;
        one.thresholds = thresholds;
        one.lifts = lifts;
        one.work = work;
        one.tableRow = row;
        return one;
    }

    /** README's table: nDCG@10 per row and mode, the best of each row in bold, and hybrid-default's mean vector weight. */
    static String readmeTable(List<Report> reports) {
        StringBuilder out = new StringBuilder("| set (model) | command |");
        TABLE_MODES.forEach(m -> out.append(' ').append(m).append(" |"));
        out.append(" default's mean vector weight | generation's full lift |\n|---|---|");
        TABLE_MODES.forEach(m -> out.append("---|"));
        out.append("---|---|\n");
        for (Report report : reports) {
            double best = TABLE_MODES.stream().mapToDouble(m -> round4(report.scores(m).ndcg10())).max().orElseThrow();
            out.append("| ").append(report.row().label()).append(" | `").append(report.row().command()).append("` |");
            for (String m : TABLE_MODES) {
                double v = round4(report.scores(m).ndcg10());
                String cell = String.format(Locale.ROOT, "%.4f", v);
                out.append(' ').append(v == best ? "**" + cell + "**" : cell).append(" |");
            }
            out.append(String.format(Locale.ROOT, " %.2f | %.2f |%n", report.scores("hybrid-default").alpha(), report.fullLift()));
        }
        return out.toString();
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    Report evaluate(PrintStream progress) throws IOException {
        Path dir;
        BeirDataset data;
        if (exports != null && !exports.isEmpty()) {
            // A set cut from exports as CalibrationSet cuts them: for sets no default was chosen on.
            List<Path> folders = exports.stream().map(p -> p.toAbsolutePath().normalize()).toList();
            dir = folders.getFirst();
            data = CalibrationSet.build(folders);
        } else {
            dir = resolve(dataset);
            data = BeirDataset.load(dir, queries == null ? dir : resolve(queries));
        }
        if (docs != null) {
            data = data.slice(docs);
        }
        BeirDataset set = data;
        String indexName = (exports != null && !exports.isEmpty() ? "exports-" : "") + dir.getFileName() + (docs != null ? "-" + docs : "");
        List<Row> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> liftRows = new ArrayList<>();
        GenerationFit generationFit = calibrationSource == CalibrationSource.generation ? generationFit(set, indexName, progress) : null;
        String analyzerName = indexAndSearch(set, indexName, dir.toString(), progress, generationFit, (index, searchers) -> {
            Searcher searcher = searchers.apply(null); // the generation's own full lift, where it fitted one
            for (Evaluation.Setting s : List.of(Evaluation.Setting.keyword(), Evaluation.Setting.vector(),
                    Evaluation.Setting.hybrid(Fusion.RRF, alphaRrf), Evaluation.Setting.hybrid(Fusion.LINEAR, alphaLinear),
                    Evaluation.Setting.hybridDefault())) {
                rows.add(new Row(s.label(), Evaluation.run(searcher, set, s, candidates, rrfK, threshold, !keepIdenticalIds)));
            }
            Calibration calibration = index.calibration();
            notes.add(calibration == null
                    ? "calibration: none (the model is uncalibrated: the calibrated scale falls back to the raw cosine)"
                    : String.format(Locale.ROOT, "calibration: %s, %d knots, fitted on %s; default threshold %.2f = %s",
                            calibration.model(), calibration.cosines().length, calibration.fittedOn(), SearchRequest.DEFAULT_THRESHOLD,
                            GenerationCalibrator.asCosine(calibration.cosineAt(SearchRequest.DEFAULT_THRESHOLD))));
            notes.add(index.fusion() == null
                    ? String.format(Locale.ROOT, "fusion: full lift %.2f, the service's constant (no pseudo-queries fitted one)", FusionWeights.FULL_LIFT)
                    : String.format(Locale.ROOT, "fusion: full lift %.2f, %s", index.fusion().fullLift(), index.fusion().fittedOn()));
            if (thresholds) {
                notes.add(ThresholdReport.markdown(ThresholdReport.measure(searcher, set, candidates, rrfK, !keepIdenticalIds)));
            }
            notes.add(String.format(Locale.ROOT, "hybrid-rrf: k=%d, vector weight %.2f; hybrid-linear: vector weight %.2f; "
                    + "hybrid-default: %s fusion, vector weight per query (mean %.2f); %d candidates per side; threshold %s",
                    rrfK, alphaRrf, alphaLinear, SearchRequest.DEFAULT_FUSION.label(), rows.getLast().scores().alpha(), candidates,
                    threshold <= -1 ? "none" : Double.toString(threshold)));
            if (sweep) {
                notes.add(sweepTable(searcher, set));
            }
            if (lifts) {
                liftRows.add(liftRow("the set's queries", set, searchers));
            }
        });
        if (lifts) {
            BeirDataset pseudo = PseudoQueries.cut(set.name() + " pseudo-queries", set.corpus());
            indexAndSearch(pseudo, indexName + "-pseudo", set.name(), progress, null,
                    (index, searchers) -> liftRows.add(liftRow(pseudo.queries().size() + " pseudo-queries", pseudo, searchers)));
            StringBuilder table = new StringBuilder("| queries | keyword | vector |");
            CALIBRATION_LIFTS.forEach(l -> table.append(String.format(Locale.ROOT, " lift %.2f |", l)));
            table.append("\n|---|---|---|").append("---|".repeat(CALIBRATION_LIFTS.size())).append('\n');
            liftRows.forEach(r -> table.append(r).append('\n'));
            notes.add("nDCG@10 of the default hybrid by full lift (the service's: " + FusionWeights.FULL_LIFT + "):\n\n" + table);
        }
        String title = String.format("%s — %s, analyzer %s: %d documents, %d queries", set.name(), this.model, analyzerName,
                set.corpus().size(), set.queries().size());
        return new Report(title, rows, notes, tableRow,
                generationFit != null && generationFit.fusion() != null ? generationFit.fusion().fullLift() : FusionWeights.FULL_LIFT);
    }

    /**
     * What runs on an evaluation index: searchers over it, one per way of weighing the default hybrid
     * (null for the generation's own full lift, else the service's constant).
     */
    private interface IndexUse {
        void search(EvalIndexView index, Function<FusionWeights, Searcher> searchers) throws IOException;
    }

    /** What an evaluation index was built with, for the notes under a table. */
    private record EvalIndexView(Calibration calibration, FusionCalibration fusion, String modelId, String fingerprint) {}

    /** What a generation of a set fits at build time on its own documents: its threshold map and its full lift. */
    private record GenerationFit(Calibration calibration, FusionCalibration fusion) {}

    /**
     * Splits and embeds {@code data} as the job does for this command's model (vectors cached in the
     * work folder), writes it as one generation, and hands {@code use} searchers over it.
     *
     * @return the analyzer's name
     */
    private String indexAndSearch(BeirDataset data, String indexName, String source, PrintStream progress, GenerationFit generationFit,
            IndexUse use) throws IOException {
        String lang = data.language();
        String analyzerName = analyzer != null ? analyzer : TextAnalysis.forLanguage(lang);
        TextAnalysis.create(analyzerName).close();
        Path workDir = work != null ? work : Path.of(System.getProperty("java.io.tmpdir"), "semdex-eval");
        String safeName = indexName.replaceAll("[^A-Za-z0-9._-]", "_");
        EmbedderSpec spec = this.model;
        try (Embedder model = spec.open(Slot.SINGLE); // as the pipeline embeds: batching and all from the spec
                VectorCache cache = EvalIndex.vectorCache(workDir, spec, model)) {
            List<List<Unit>> units = EvalIndex.split(data.corpus(), spec); // as the job splits for this model
            int unitCount = units.stream().mapToInt(List::size).sum();
            progress.printf("%s: %d documents → %d units, %d queries; model %s, analyzer %s (corpus language %s)%n",
                    data.name(), data.corpus().size(), unitCount, data.queries().size(), this.model, analyzerName, lang);
            EvalIndex.embed(units, model, cache);
            String fingerprint = spec.fingerprint();
            Calibration calibration = generationFit != null ? generationFit.calibration() : ModelCalibrations.of(spec, fingerprint).orElse(null);
            FusionCalibration fusion = generationFit != null ? generationFit.fusion() : null;
            IndexLayout layout = EvalIndex.write(workDir.resolve("index").resolve(safeName + "-" + model.info().modelId() + "-" + analyzerName),
                    data.corpus(), units, cache, model.info().modelId(), model.info().dimensions(), analyzerName, source, calibration, fusion);

            Map<String, float[]> queryVectors = new LinkedHashMap<>();
            for (String q : data.queries().values()) {
                String text = Evaluation.clip(q);
                String key = "q:" + ContentHash.of(text);
                float[] v = cache.get(key);
                if (v == null) {
                    v = model.embedQueries(List.of(text)).get(0); // one at a time, as the query service embeds
                    cache.put(key, v);
                }
                queryVectors.put(text, v);
            }

            try (LiveIndex index = new LiveIndex(layout, model.info(), 60_000)) {
                PrecomputedQueries precomputed = new PrecomputedQueries(model, queryVectors);
                use.search(new EvalIndexView(calibration, fusion, model.info().modelId(), fingerprint),
                        weights -> weights == null ? new Searcher(index, precomputed, 0) : new Searcher(index, precomputed, 0, weights));
            }
        }
        return analyzerName;
    }

    /**
     * nDCG@10 of the default hybrid per full lift ({@link #CALIBRATION_LIFTS}), for each of README's
     * models and each kind of calibration query, with keyword, vector and linear fusion at this
     * command's weight beside it.
     *
     * @param columns a label per column: model and kind of query
     * @param sides per mode, a figure per column
     * @param lifts per full lift, each column's per-query nDCG@10
     */
    record LiftCalibration(String set, List<String> columns, Map<String, double[]> sides, Map<Double, double[][]> lifts) {

        /** The same figures, as {@link LiftChoice} compares them. */
        private LiftChoice choice() {
            return new LiftChoice(lifts);
        }

        /** A lift's figure: the mean over the columns, every model and kind of query counting alike. */
        double mean(double lift) {
            return choice().mean(lift);
        }

        /** The lift with the best {@link #mean}; the smaller one of a tie. */
        double best() {
            return choice().best();
        }

        /** The standard error of {@code lift}'s mean minus {@code other}'s, paired query by query. */
        double standardError(double lift, double other) {
            return choice().standardError(lift, other);
        }

        /** The one-standard-error rule ({@link LiftChoice#oneStandardError}). */
        double chosen() {
            return choice().oneStandardError();
        }

        String markdown() {
            StringBuilder out = new StringBuilder("**").append(set).append(": nDCG@10**\n\n| |");
            columns.forEach(c -> out.append(' ').append(c).append(" |"));
            out.append(" mean | mean − best's | paired standard error |\n|---|");
            columns.forEach(c -> out.append("---|"));
            out.append("---|---|---|\n");
            sides.forEach((label, v) -> {
                out.append("| ").append(label).append(" |");
                for (double x : v) {
                    out.append(String.format(Locale.ROOT, " %.4f |", x));
                }
                out.append(String.format(Locale.ROOT, " %.4f | | |%n", average(v)));
            });
            double best = best();
            double chosen = chosen();
            for (double lift : lifts.keySet()) {
                String label = String.format(Locale.ROOT, "hybrid-default, full lift %.2f", lift);
                out.append("| ").append(lift == chosen ? "**" + label + "**" : label).append(" |");
                for (double[] column : lifts.get(lift)) {
                    out.append(String.format(Locale.ROOT, " %.4f |", average(column)));
                }
                out.append(String.format(Locale.ROOT, " %.4f | %+.5f | %.5f |%n", mean(lift), mean(lift) - mean(best),
                        standardError(lift, best)));
            }
            out.append(String.format(Locale.ROOT, "%nBest mean: full lift %.2f. Chosen by the one-standard-error rule (the largest lift "
                    + "within one paired standard error of the best mean): %.2f. The default hybrid uses %.2f (FusionWeights.FULL_LIFT).%n",
                    best, chosen, FusionWeights.FULL_LIFT));
            return out.toString();
        }

        private static double average(double[] v) {
            double sum = 0;
            for (double x : v) {
                sum += x;
            }
            return v.length == 0 ? 0 : sum / v.length;
        }
    }

    LiftCalibration calibration(PrintStream progress) throws IOException {
        Path docsDir = sharedData("docs");
        BeirDataset data = CalibrationSet.build(docsDir);
        List<EmbedderSpec> models = README_TABLE.stream().map(TableRow::model).distinct().toList();
        List<String> kinds = List.of(CalibrationSet.QUESTION, CalibrationSet.HEADING);
        List<String> columns = new ArrayList<>();
        models.forEach(m -> kinds.forEach(k -> columns.add(m + ", " + k + "s")));
        Map<String, double[]> sides = new LinkedHashMap<>();
        Map<Double, double[][]> lifts = new LinkedHashMap<>();
        List<Evaluation.Setting> settings = List.of(Evaluation.Setting.keyword(), Evaluation.Setting.vector(),
                Evaluation.Setting.hybrid(Fusion.LINEAR, alphaLinear));
        for (int m = 0; m < models.size(); m++) {
            int first = m * kinds.size();
            EvalCommand one = copyFor(new TableRow(docsDir.toString(), null, models.get(m)));
            one.indexAndSearch(data, "calibration-" + docsDir.getFileName(), docsDir.toString(), progress, null, (index, searchers) -> {
                Searcher fixed = searchers.apply(FusionWeights.DEFAULT);
                for (int k = 0; k < kinds.size(); k++) {
                    BeirDataset part = data.queriesStartingWith(kinds.get(k));
                    for (Evaluation.Setting s : settings) {
                        sides.computeIfAbsent(s.label(), x -> new double[columns.size()])[first + k] =
                                Evaluation.run(fixed, part, s, candidates, rrfK, threshold, !keepIdenticalIds).ndcg10();
                    }
                    for (double lift : CALIBRATION_LIFTS) {
                        lifts.computeIfAbsent(lift, x -> new double[columns.size()][])[first + k] = Evaluation.run(
                                searchers.apply(FusionWeights.withFullLift(lift)), part, Evaluation.Setting.hybridDefault(), candidates,
                                rrfK, threshold, !keepIdenticalIds).ndcgs();
                    }
                }
            });
        }
        String set = String.format(Locale.ROOT, "%s: %d documents, %d %s queries, %d %s queries", data.name(), data.corpus().size(),
                data.queriesStartingWith(CalibrationSet.QUESTION).queries().size(), CalibrationSet.QUESTION,
                data.queriesStartingWith(CalibrationSet.HEADING).queries().size(), CalibrationSet.HEADING);
        return new LiftCalibration(set, columns, sides, lifts);
    }

    /**
     * Fits this command's model's calibration on questions and headings cut from the exports in
     * {@code --calibration-data} ({@link CalibrationSet}), which no evaluation set draws on.
     */
    Calibration fitCalibration(PrintStream progress) throws IOException {
        List<Path> folders = calibrationData != null && !calibrationData.isEmpty()
                ? calibrationData.stream().map(p -> p.toAbsolutePath().normalize()).toList() : List.of(sharedData("docs"));
        BeirDataset data = CalibrationSet.build(folders);
        Calibration[] fitted = new Calibration[1];
        List<String> exports = new ArrayList<>();
        for (Path folder : folders) {
            exports.addAll(exportFolders(folder));
        }
        String described = "questions and headings cut from the exports " + String.join(", ", exports);
        String name = "fit-" + String.join("+", folders.stream().map(f -> f.getFileName().toString()).toList());
        indexAndSearch(data, name, folders.toString(), progress, null, (index, searchers) -> {
            fitted[0] = CalibrationFit.fit(searchers.apply(FusionWeights.DEFAULT), data, index.modelId(), index.fingerprint(), described,
                    candidates);
            progress.println(CalibrationFit.keepRates(searchers.apply(FusionWeights.DEFAULT), data, fitted[0], candidates));
        });
        return fitted[0];
    }

    /**
     * What a generation of {@code set} fits at build time, its threshold map and its full lift: on
     * queries cut from its own documents ({@link PseudoQueries}), searched against the whole corpus
     * with those documents standing without their queries. Null when the corpus gives too few
     * queries to fit on.
     */
    private GenerationFit generationFit(BeirDataset set, String indexName, PrintStream progress) throws IOException {
        BeirDataset pseudo = PseudoQueries.cut(set.name() + " pseudo-queries", set.corpus());
        if (pseudo.queries().size() < PseudoQueries.MIN_FIT_QUERIES) {
            progress.printf("%s: only %d pseudo-queries, too few to fit a threshold map: the model's is used%n", set.name(),
                    pseudo.queries().size());
            return null;
        }
        GenerationFit[] fitted = new GenerationFit[1];
        ProductKinds kinds = ProductKinds.of(pseudo.corpus());
        BeirDataset judged = PseudoQueries.judgedByKind(pseudo, kinds);
        String described = "pseudo-queries cut from " + set.name() + "'s own documents (titles, first sentences), judged relevant: "
                + kinds.judgedBy();
        indexAndSearch(pseudo, indexName + "-pseudo", set.name(), progress, null, (index, searchers) -> fitted[0] = new GenerationFit(
                CalibrationFit.fit(searchers.apply(FusionWeights.DEFAULT), judged, index.modelId(), index.fingerprint(), described,
                        candidates, model.calibration().orElse(null)),
                LiftChoice.choose(searchers, pseudo, candidates, rrfK)));
        return fitted[0];
    }

    private static List<String> exportFolders(Path docsDir) throws IOException {
        try (var list = Files.list(docsDir)) {
            return list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String liftRow(String queries, BeirDataset data, Function<FusionWeights, Searcher> searchers) throws IOException {
        Searcher fixed = searchers.apply(FusionWeights.DEFAULT);
        StringBuilder row = new StringBuilder("| " + queries + " |");
        for (Evaluation.Setting side : List.of(Evaluation.Setting.keyword(), Evaluation.Setting.vector())) {
            row.append(String.format(Locale.ROOT, " %.4f |", Evaluation.run(fixed, data, side, candidates, rrfK, threshold, !keepIdenticalIds)
                    .ndcg10()));
        }
        for (double lift : CALIBRATION_LIFTS) {
            row.append(String.format(Locale.ROOT, " %.4f |", Evaluation.run(searchers.apply(FusionWeights.withFullLift(lift)), data,
                    Evaluation.Setting.hybridDefault(), candidates, rrfK, threshold, !keepIdenticalIds).ndcg10()));
        }
        return row.toString();
    }

    private String sweepTable(Searcher searcher, BeirDataset data) throws IOException {
        StringBuilder table = new StringBuilder("| vector weight | rrf nDCG@10 | linear nDCG@10 |\n|---|---|---|\n");
        for (int i = 0; i <= 10; i++) {
            double alpha = i / 10.0;
            double rrf = Evaluation.run(searcher, data, Evaluation.Setting.hybrid(Fusion.RRF, alpha), candidates, rrfK, threshold,
                    !keepIdenticalIds).ndcg10();
            double linear = Evaluation.run(searcher, data, Evaluation.Setting.hybrid(Fusion.LINEAR, alpha), candidates, rrfK, threshold,
                    !keepIdenticalIds).ndcg10();
            table.append(String.format(Locale.ROOT, "| %.1f | %.4f | %.4f |%n", alpha, rrf, linear));
        }
        return table.toString();
    }

    static String markdown(Report report) {
        StringBuilder out = new StringBuilder("**").append(report.title()).append("**\n\n");
        out.append("| mode | nDCG@10 | Recall@100 | MRR@10 |\n|---|---|---|---|\n");
        for (Row row : report.rows()) {
            Evaluation.Scores s = row.scores();
            out.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f |%n", row.label(), s.ndcg10(), s.recall100(), s.mrr10()));
        }
        for (String note : report.notes()) {
            out.append('\n').append(note).append('\n');
        }
        return out.toString();
    }

    /** A folder as given, else one of that name in the shared evaluation data. */
    public static Path resolve(String nameOrDir) {
        Path given = Path.of(nameOrDir);
        if (Files.isDirectory(given)) {
            return given.toAbsolutePath().normalize();
        }
        try {
            return sharedData("eval/" + nameOrDir);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no dataset folder '" + nameOrDir + "' at " + given.toAbsolutePath() + "; " + e.getMessage(), e);
        }
    }

    /** A folder of the shared data ({@code -Dsemdex.shared.data}, else {@code ../shared/data} beside semdex's home). */
    static Path sharedData(String sub) {
        List<Path> tried = new ArrayList<>();
        String shared = System.getProperty("semdex.shared.data");
        if (shared != null) {
            tried.add(Path.of(shared).resolve(sub));
        }
        tried.add(Launcher.home().resolve("../shared/data").resolve(sub));
        for (Path p : tried) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalArgumentException("no folder '" + sub + "' in the shared data; looked at " + tried);
    }

    /** Analyzer names for picocli's help. */
    static final class AnalyzerNames extends ArrayList<String> {
        AnalyzerNames() {
            super(TextAnalysis.names());
        }
    }
}
