package io.semdex.app;

import io.semdex.core.ContentHash;
import io.semdex.core.IndexLayout;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.Slot;
import io.semdex.query.Fusion;
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
                "--table runs every set and model of README's evaluation table and prints that table."})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DATASET",
            description = "A folder in BEIR layout, or the name of one under ../shared/data/eval (esci-dev, stackfaq, xquad-en, xquad-zh).")
    String dataset;

    @Option(names = "--model", defaultValue = ModelPresets.DEFAULT, description = "Embedding model spec, e.g. bge-small-en-v1.5-q or 'bge-small-zh-v1.5?prune=false' (default: ${DEFAULT-VALUE}).")
    String model;

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

    @Option(names = "--work", paramLabel = "DIR",
            description = "Keeps the index and an embedding cache here (default: semdex-eval in the system temp directory).")
    Path work;

    /** Set when this run is one row of {@code --table}. */
    private TableRow tableRow;

    /** One line of the result table. */
    record Row(String label, Evaluation.Scores scores) {}

    /** What a run measured, for the table and for regression tests. */
    record Report(String title, List<Row> rows, List<String> notes, TableRow row) {

        Evaluation.Scores scores(String label) {
            return rows.stream().filter(r -> r.label().equals(label)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row '" + label + "'")).scores();
        }
    }

    /** A row of README's evaluation table: a set, optionally another set's queries, and a model. */
    record TableRow(String dataset, String queries, String model) {

        String label() {
            return (queries == null ? dataset : queries + " queries → " + dataset + " corpus") + " (" + model + ")";
        }

        String command() {
            return "./semdex eval " + dataset + (queries == null ? "" : " --queries ../shared/data/eval/" + queries) + " --model " + model;
        }
    }

    /** The rows of README's evaluation table, in its order. */
    static final List<TableRow> README_TABLE = List.of(
            new TableRow("esci-dev", null, "bge-small-en-v1.5-q"),
            new TableRow("stackfaq", null, "bge-small-en-v1.5-q"),
            new TableRow("xquad-en", null, "bge-small-en-v1.5-q"),
            new TableRow("esci-dev", null, "bge-small-zh-v1.5"),
            new TableRow("xquad-en", null, "bge-small-zh-v1.5"),
            new TableRow("xquad-zh", null, "bge-small-zh-v1.5"),
            new TableRow("xquad-en", "xquad-zh", "bge-small-zh-v1.5"));

    /** The columns of README's evaluation table. */
    static final List<String> TABLE_MODES = List.of("keyword", "vector", "hybrid-rrf", "hybrid-linear", "hybrid-default");

    @Override
    public Integer call() throws Exception {
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
        if (dataset == null) {
            throw new IllegalArgumentException("give a DATASET, or --table for README's whole table");
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
        one.work = work;
        one.tableRow = row;
        return one;
    }

    /** README's table: nDCG@10 per row and mode, the best of each row in bold, and hybrid-default's mean vector weight. */
    static String readmeTable(List<Report> reports) {
        StringBuilder out = new StringBuilder("| set (model) | command |");
        TABLE_MODES.forEach(m -> out.append(' ').append(m).append(" |"));
        out.append(" default's mean vector weight |\n|---|---|");
        TABLE_MODES.forEach(m -> out.append("---|"));
        out.append("---|\n");
        for (Report report : reports) {
            double best = TABLE_MODES.stream().mapToDouble(m -> round4(report.scores(m).ndcg10())).max().orElseThrow();
            out.append("| ").append(report.row().label()).append(" | `").append(report.row().command()).append("` |");
            for (String m : TABLE_MODES) {
                double v = round4(report.scores(m).ndcg10());
                String cell = String.format(Locale.ROOT, "%.4f", v);
                out.append(' ').append(v == best ? "**" + cell + "**" : cell).append(" |");
            }
            out.append(String.format(Locale.ROOT, " %.2f |%n", report.scores("hybrid-default").alpha()));
        }
        return out.toString();
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    Report evaluate(PrintStream progress) throws IOException {
        Path dir = resolve(dataset);
        Path queryDir = queries == null ? dir : resolve(queries);
        BeirDataset data = BeirDataset.load(dir, queryDir);
        if (docs != null) {
            data = data.slice(docs);
        }
        String lang = data.language();
        String analyzerName = analyzer != null ? analyzer : TextAnalysis.forLanguage(lang);
        TextAnalysis.create(analyzerName).close();
        Path workDir = work != null ? work : Path.of(System.getProperty("java.io.tmpdir"), "semdex-eval");
        String safeName = (dir.getFileName() + (docs != null ? "-" + docs : "")).replaceAll("[^A-Za-z0-9._-]", "_");

        List<Row> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        EmbedderSpec spec = EmbedderSpec.parse(this.model);
        try (Embedder model = spec.open(Slot.SINGLE); // as the pipeline embeds: batching and all from the spec
                VectorCache cache = EvalIndex.vectorCache(workDir, spec, model)) {
            List<List<Unit>> units = EvalIndex.split(data.corpus(), spec); // as the job splits for this model
            int unitCount = units.stream().mapToInt(List::size).sum();
            progress.printf("%s: %d documents → %d units, %d queries; model %s, analyzer %s (corpus language %s)%n",
                    data.name(), data.corpus().size(), unitCount, data.queries().size(), this.model, analyzerName, lang);
            EvalIndex.embed(units, model, cache);
            IndexLayout layout = EvalIndex.write(workDir.resolve("index").resolve(safeName + "-" + model.info().modelId() + "-" + analyzerName),
                    data.corpus(), units, cache, model.info().modelId(), model.info().dimensions(), analyzerName, dir.toString());

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
                Searcher searcher = new Searcher(index, new PrecomputedQueries(model, queryVectors), 0);
                for (Evaluation.Setting s : List.of(Evaluation.Setting.keyword(), Evaluation.Setting.vector(),
                        Evaluation.Setting.hybrid(Fusion.RRF, alphaRrf), Evaluation.Setting.hybrid(Fusion.LINEAR, alphaLinear),
                        Evaluation.Setting.hybridDefault())) {
                    rows.add(new Row(s.label(), Evaluation.run(searcher, data, s, candidates, rrfK, threshold)));
                }
                notes.add(String.format(Locale.ROOT, "hybrid-rrf: k=%d, vector weight %.2f; hybrid-linear: vector weight %.2f; "
                        + "hybrid-default: %s fusion, vector weight per query (mean %.2f); %d candidates per side; threshold %s",
                        rrfK, alphaRrf, alphaLinear, SearchRequest.DEFAULT_FUSION.label(), rows.getLast().scores().alpha(), candidates,
                        threshold <= -1 ? "none" : Double.toString(threshold)));
                if (sweep) {
                    notes.add(sweepTable(searcher, data));
                }
            }
        }
        String title = String.format("%s — %s, analyzer %s: %d documents, %d queries", data.name(), this.model, analyzerName,
                data.corpus().size(), data.queries().size());
        return new Report(title, rows, notes, tableRow);
    }

    private String sweepTable(Searcher searcher, BeirDataset data) throws IOException {
        StringBuilder table = new StringBuilder("| vector weight | rrf nDCG@10 | linear nDCG@10 |\n|---|---|---|\n");
        for (int i = 0; i <= 10; i++) {
            double alpha = i / 10.0;
            double rrf = Evaluation.run(searcher, data, Evaluation.Setting.hybrid(Fusion.RRF, alpha), candidates, rrfK, threshold).ndcg10();
            double linear = Evaluation.run(searcher, data, Evaluation.Setting.hybrid(Fusion.LINEAR, alpha), candidates, rrfK, threshold)
                    .ndcg10();
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
    static Path resolve(String nameOrDir) {
        Path given = Path.of(nameOrDir);
        if (Files.isDirectory(given)) {
            return given.toAbsolutePath().normalize();
        }
        List<Path> tried = new ArrayList<>();
        String shared = System.getProperty("semdex.shared.data");
        if (shared != null) {
            tried.add(Path.of(shared, "eval", nameOrDir));
        }
        tried.add(Launcher.home().resolve("../shared/data/eval").resolve(nameOrDir));
        for (Path p : tried) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalArgumentException("no dataset folder '" + nameOrDir + "'; looked at " + given.toAbsolutePath() + " and " + tried);
    }

    /** Analyzer names for picocli's help. */
    static final class AnalyzerNames extends ArrayList<String> {
        AnalyzerNames() {
            super(TextAnalysis.names());
        }
    }
}
