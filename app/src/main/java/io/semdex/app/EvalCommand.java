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
 * embedder, shard writer, searcher) and prints nDCG@10, Recall@100 and MRR@10 of keyword, vector
 * and both hybrid fusions as a Markdown table.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Indexes a BEIR-layout retrieval set (corpus.jsonl, queries.jsonl, qrels/test.tsv) with semdex's own",
                "splitter, embedder, Lucene shard writer and searcher, then prints nDCG@10, Recall@100 and MRR@10",
                "for keyword, vector, hybrid-rrf and hybrid-linear search as a Markdown table.",
                "Documents are ranked by their best unit (group=doc); no cosine threshold unless --threshold."})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DATASET",
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

    @Option(names = "--work", paramLabel = "DIR",
            description = "Keeps the index and an embedding cache here (default: semdex-eval in the system temp directory).")
    Path work;

    /** One line of the result table. */
    record Row(String label, Evaluation.Scores scores) {}

    /** What a run measured, for the table and for regression tests. */
    record Report(String title, List<Row> rows, List<String> notes) {

        Evaluation.Scores scores(String label) {
            return rows.stream().filter(r -> r.label().equals(label)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row '" + label + "'")).scores();
        }
    }

    @Override
    public Integer call() throws Exception {
        Report report = evaluate(System.out);
        System.out.println();
        System.out.println(markdown(report));
        return 0;
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
            List<List<Unit>> units = EvalIndex.split(data.corpus());
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
                        Evaluation.Setting.hybrid(Fusion.RRF, alphaRrf), Evaluation.Setting.hybrid(Fusion.LINEAR, alphaLinear))) {
                    rows.add(new Row(s.label(), Evaluation.run(searcher, data, s, candidates, rrfK, threshold)));
                }
                notes.add(String.format(Locale.ROOT, "hybrid-rrf: k=%d, vector weight %.2f; hybrid-linear: vector weight %.2f; "
                        + "%d candidates per side; threshold %s", rrfK, alphaRrf, alphaLinear, candidates,
                        threshold <= -1 ? "none" : Double.toString(threshold)));
                if (sweep) {
                    notes.add(sweepTable(searcher, data));
                }
            }
        }
        String title = String.format("%s — %s, analyzer %s: %d documents, %d queries", data.name(), this.model, analyzerName,
                data.corpus().size(), data.queries().size());
        return new Report(title, rows, notes);
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
