package io.semdex.query;

import io.semdex.core.Band;
import io.semdex.core.Calibration;
import io.semdex.core.FusionCalibration;
import io.semdex.core.IndexFields;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.VectorUtil;

/**
 * Answers searches over a {@link LiveIndex}: HNSW kNN on the vector side, BM25 on the keyword side,
 * both pre-filtered by metadata, fused per {@link Fusion}.
 *
 * <p>How one search runs: each side retrieves its top {@code candidates} units into one pool. Every
 * unit in the pool then gets both scores exactly: its cosine from its stored vector (so a unit found
 * only by keywords has one too) and its BM25 from the keyword query's scorer (0 when no term occurs
 * in it). The threshold is applied before fusion, on the calibrated relevance of the cosine (the
 * generation's {@link Calibration}, a map that never falls as the cosine rises) or on the raw cosine,
 * so in {@code vector} and {@code hybrid} mode every hit has relevance (or cosine) &ge; threshold and a
 * weak side cannot bring in a unit below it. The pool is fused (see {@link #fuse}) with the request's vector weight, or without one
 * with the weight {@link FusionWeights} gives this query, grouped by document if asked, ordered by score
 * then unit id, and the page is cut from it; the same request gives the same order, so pages
 * neither overlap nor skip.
 */
public final class Searcher {

    /** Query vectors remembered by default. */
    public static final int DEFAULT_QUERY_CACHE = 1024;

    private static final Set<String> STORED =
            Set.of(IndexFields.UNIT_ID, IndexFields.DOC_ID, IndexFields.TITLE, IndexFields.TEXT, IndexFields.URL);

    private final LiveIndex index;
    /** Embeds every query, whatever the generation; null to embed with each snapshot's own query model. */
    private final Embedder fixed;
    private final QueryVectorCache queryVectors;
    private final Map<String, Analyzer> analyzers = new ConcurrentHashMap<>();
    /** Weighs hybrid requests without {@code alpha}; null for each generation's own full lift, else the service's constant. */
    private final FusionWeights weights;
    private final FusionWeights.Background background = new FusionWeights.Background();

    /** Embeds each query with the query model of the generation it searches ({@link LiveIndex.Snapshot#embedder()}). */
    public Searcher(LiveIndex index, int queryCache) {
        this(index, null, queryCache);
    }

    public Searcher(LiveIndex index, Embedder embedder) {
        this(index, embedder, DEFAULT_QUERY_CACHE);
    }

    /**
     * @param embedder embeds every query: the index must search only generations of its model (a
     *     {@link LiveIndex} built without its own embedder); null to use each snapshot's
     * @param queryCache query vectors to remember, 0 to embed every query
     */
    public Searcher(LiveIndex index, Embedder embedder, int queryCache) {
        this.index = index;
        this.fixed = embedder;
        this.queryVectors = new QueryVectorCache(queryCache);
        this.weights = null;
    }

    /**
     * As {@link #Searcher(LiveIndex, Embedder, int)}, weighing hybrid requests without {@code alpha}
     * with {@code weights} on every generation, whatever full lift the generation fitted.
     */
    public Searcher(LiveIndex index, Embedder embedder, int queryCache, FusionWeights weights) {
        this.index = index;
        this.fixed = embedder;
        this.queryVectors = new QueryVectorCache(queryCache);
        this.weights = Objects.requireNonNull(weights, "weights");
    }

    /** The weights of a generation: the full lift its manifest records where one was fitted, else the service's constant. */
    static FusionWeights weightsOf(Manifest manifest) {
        FusionCalibration fitted = manifest == null ? null : manifest.fusion();
        return fitted == null ? FusionWeights.DEFAULT : FusionWeights.withFullLift(fitted.fullLift());
    }

    /** The model queries are embedded with now. */
    public io.semdex.embed.EmbedderInfo embedderInfo() {
        return fixed != null ? fixed.info() : index.queryModel();
    }

    /**
     * Runs one search on one snapshot: the query is embedded with the snapshot's model and compared
     * with the snapshot's vectors, so a generation switch while it runs changes neither.
     */
    public SearchResponse search(SearchRequest request) throws IOException {
        long start = System.nanoTime();
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            Embedder embedder = fixed != null ? fixed : snapshot.embedder();
            if (embedder == null) {
                throw new IllegalStateException("this searcher has no query embedder: give it one, or build the index with one");
            }
            EmbedderInfo model = embedder.info();
            float[] query = null;
            long[] embedNanos = {0};
            if (request.mode().usesVectors()) {
                // Keyed by model too: after a model switch a remembered vector of the old model must not be used.
                String key = model.modelId() + "\n" + model.dimensions() + "\n" + request.query();
                query = queryVectors.get(key, k -> {
                    long t = System.nanoTime();
                    float[] v = embedder.embedQueries(List.of(request.query())).get(0);
                    embedNanos[0] = System.nanoTime() - t;
                    return v;
                });
            }
            String analyzerName = snapshot.manifest().map(Manifest::analyzer).orElse(null);
            Cut cut = Cut.of(request, snapshot.manifest().map(Manifest::calibration).orElse(null));
            boolean hybrid = request.mode() == SearchMode.HYBRID;
            Ranking ranking = snapshot.generation().isEmpty()
                    ? new Ranking(0, List.of(), hybrid ? request.alpha() : null)
                    : rank(snapshot.searcher(), analyzer(analyzerName), query, request, cut,
                            weights != null ? weights : weightsOf(snapshot.manifest().orElse(null)));
            return new SearchResponse(request.query(), request.mode().label(),
                    hybrid ? request.fusion().label() : null,
                    ranking.alpha,
                    hybrid ? (request.alpha() != null ? "request" : "adaptive") : null,
                    request.mode().usesVectors() ? request.threshold() : null,
                    request.mode().usesVectors() ? cut.scale().label() : null,
                    request.mode().usesVectors() ? cut.cosine() : null,
                    model.modelId(), analyzerName,
                    snapshot.generation().map(g -> g.name()).orElse(null),
                    ranking.total, request.offset(),
                    (System.nanoTime() - start) / 1_000_000, embedNanos[0] / 1_000_000, ranking.hits);
        }
    }

    private Analyzer analyzer(String name) {
        // Manifests written before the analyzer was recorded were built with CJK bigrams.
        return analyzers.computeIfAbsent(name == null ? TextAnalysis.CJK_BIGRAM : name, TextAnalysis::create);
    }

    /**
     * The page of hits, how many the whole ranking holds, and the vector weight fusion used (null
     * outside hybrid mode, and where an empty index left nothing to weigh without a given weight).
     */
    private record Ranking(int total, List<Hit> hits, Double alpha) {}

    /**
     * The threshold of one search on one generation: on the calibrated relevance when the request asks
     * for it and the generation has a calibration, else on the raw cosine.
     *
     * @param calibration the generation's map, null when its model is uncalibrated (hits then carry no relevance)
     */
    record Cut(ThresholdScale scale, double threshold, Calibration calibration) {

        static Cut of(SearchRequest request, Calibration calibration) {
            boolean calibrated = request.thresholdScale() == ThresholdScale.CALIBRATED && calibration != null;
            return new Cut(calibrated ? ThresholdScale.CALIBRATED : ThresholdScale.COSINE, request.threshold(), calibration);
        }

        /** Whether a unit of this cosine passes: NaN (a unit without a vector) never does. */
        boolean keeps(double cosine) {
            return scale == ThresholdScale.CALIBRATED ? calibration.relevance(cosine) >= threshold : cosine >= threshold;
        }

        /** Calibrated relevance of a cosine; null for an uncalibrated model. */
        Double relevance(double cosine) {
            return calibration == null ? null : calibration.relevance(cosine);
        }

        /** The raw cosine the threshold comes to: every kept hit has at least it; null when none can pass. */
        Double cosine() {
            if (scale == ThresholdScale.COSINE) {
                return threshold;
            }
            double c = calibration.cosineAt(threshold);
            return c == Double.POSITIVE_INFINITY ? null : Math.max(-1, c);
        }
    }

    private Ranking rank(IndexSearcher searcher, Analyzer analyzer, float[] queryVector, SearchRequest request, Cut cut,
            FusionWeights fusionWeights) throws IOException {
        IndexReader reader = searcher.getIndexReader();
        Query filter = MetadataFilter.toQuery(request.filters(), reader);
        Query keyword = KeywordQuery.build(analyzer, request.query());
        SearchMode mode = request.mode();
        int depth = request.candidates();

        Map<Integer, Candidate> pool = new HashMap<>();
        if (mode.usesVectors()) {
            for (ScoreDoc sd : searcher.search(new KnnFloatVectorQuery(IndexFields.VECTOR, queryVector, depth, filter), depth).scoreDocs) {
                pool.computeIfAbsent(sd.doc, Candidate::new).inVectorList = true;
            }
        }
        if (mode != SearchMode.VECTOR && keyword != null) {
            Query filtered = filter == null ? keyword : new BooleanQuery.Builder()
                    .add(keyword, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
            for (ScoreDoc sd : searcher.search(filtered, depth).scoreDocs) {
                Candidate c = pool.computeIfAbsent(sd.doc, Candidate::new);
                c.bm25 = sd.score;
                c.inKeywordList = true;
            }
        }
        List<Candidate> candidates = new ArrayList<>(pool.values());
        candidates.sort(Comparator.comparingInt(c -> c.doc));
        double bestCosine = Double.NaN;
        if (queryVector != null) {
            fillCosines(reader, candidates, queryVector);
            for (Candidate c : candidates) {
                if (c.inVectorList && (Double.isNaN(bestCosine) || c.cosine > bestCosine)) {
                    bestCosine = c.cosine;
                }
            }
            // The threshold is on the cosine (or its calibrated relevance), before any fusion: no side can bring in a unit below it.
            candidates.removeIf(c -> !cut.keeps(c.cosine));
        }
        fillBm25(searcher, keyword, candidates);
        fillKeys(reader, candidates);

        Double alpha = null;
        switch (mode) {
            case VECTOR -> candidates.forEach(c -> c.score = c.cosine);
            case KEYWORD -> candidates.forEach(c -> c.score = c.bm25);
            case HYBRID -> {
                alpha = request.alpha() != null ? request.alpha()
                        : fusionWeights.vectorWeight(bestCosine, background.of(reader), termCoverage(reader, analyzer, request.query()));
                fuse(candidates, request.fusion(), alpha, request.rrfK());
            }
        }
        candidates.sort(Comparator.comparingDouble((Candidate c) -> c.score).reversed().thenComparing(c -> c.unitId));
        if (request.groupByDoc()) {
            Set<String> seen = new HashSet<>();
            candidates.removeIf(c -> !seen.add(c.docId));
        }
        int from = Math.min(request.offset(), candidates.size());
        int to = Math.min(request.offset() + request.k(), candidates.size());
        Set<String> queryTerms = request.highlight() ? KeywordQuery.terms(analyzer, request.query()) : Set.of();
        List<Hit> hits = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            hits.add(toHit(searcher, analyzer, queryTerms, candidates.get(i), i + 1, mode, request.highlight(), cut));
        }
        return new Ranking(candidates.size(), hits, alpha);
    }

    /** Share of the query's distinct terms (as the text field analyzes them) that occur in the index; 0 without terms. */
    private static double termCoverage(IndexReader reader, Analyzer analyzer, String query) throws IOException {
        Set<String> terms = KeywordQuery.terms(analyzer, query);
        if (terms.isEmpty()) {
            return 0;
        }
        int found = 0;
        for (String term : terms) {
            if (reader.docFreq(new Term(IndexFields.TEXT, term)) > 0) {
                found++;
            }
        }
        return (double) found / terms.size();
    }

    /**
     * Combines the two sides over the pool. Each side is judged on its own list (the units it
     * retrieved that passed the threshold): RRF adds {@code weight / (k + rank)} for a unit's rank in
     * each list it is in; linear min-max normalizes each side over its list, so a unit the other side
     * brought in scores 0 on this side when it falls below the list's lowest score.
     */
    static void fuse(List<Candidate> pool, Fusion fusion, double alpha, int rrfK) {
        if (fusion == Fusion.RRF) {
            for (Candidate c : pool) {
                c.score = 0;
            }
            addReciprocalRanks(pool, true, alpha, rrfK);
            addReciprocalRanks(pool, false, 1 - alpha, rrfK);
            return;
        }
        double minCos = Double.POSITIVE_INFINITY;
        double maxCos = Double.NEGATIVE_INFINITY;
        double minBm25 = Double.POSITIVE_INFINITY;
        double maxBm25 = Double.NEGATIVE_INFINITY;
        for (Candidate c : pool) {
            if (c.inVectorList) {
                minCos = Math.min(minCos, c.cosine);
                maxCos = Math.max(maxCos, c.cosine);
            }
            if (c.inKeywordList) {
                minBm25 = Math.min(minBm25, c.bm25);
                maxBm25 = Math.max(maxBm25, c.bm25);
            }
        }
        for (Candidate c : pool) {
            c.score = alpha * normalize(c.cosine, minCos, maxCos) + (1 - alpha) * normalize(c.bm25, minBm25, maxBm25);
        }
    }

    private static void addReciprocalRanks(List<Candidate> pool, boolean vectorSide, double weight, int k) {
        List<Candidate> list = new ArrayList<>(pool);
        list.removeIf(c -> !(vectorSide ? c.inVectorList : c.inKeywordList));
        Comparator<Candidate> bySide = vectorSide
                ? Comparator.comparingDouble((Candidate c) -> c.cosine)
                : Comparator.comparingDouble((Candidate c) -> c.bm25);
        list.sort(bySide.reversed().thenComparingInt(c -> c.doc));
        for (int rank = 1; rank <= list.size(); rank++) {
            list.get(rank - 1).score += weight / (k + rank);
        }
    }

    /**
     * Min-max to 0..1, clamped: below the list's lowest score is 0 (and so is NaN), above its highest
     * (a unit HNSW missed) is 1. A list whose scores are all equal says nothing about order and adds 0.
     */
    private static double normalize(double value, double min, double max) {
        if (!(max > min) || !(value > min)) {
            return 0;
        }
        return Math.min(1, (value - min) / (max - min));
    }

    /** Cosine of every candidate from its stored (normalized) vector: the dot product with the query. */
    private static void fillCosines(IndexReader reader, List<Candidate> byDoc, float[] query) throws IOException {
        forEachLeaf(reader.leaves(), byDoc, (leaf, run) -> {
            FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
            KnnVectorValues.DocIndexIterator it = values == null ? null : values.iterator();
            for (Candidate c : run) {
                int doc = c.doc - leaf.docBase;
                if (it != null && it.docID() < doc) {
                    it.advance(doc);
                }
                // A unit without a vector has no cosine; the threshold cut drops it (NaN >= t is false).
                c.cosine = it != null && it.docID() == doc ? VectorUtil.dotProduct(query, values.vectorValue(it.index())) : Float.NaN;
            }
        });
    }

    /** BM25 of every candidate that the keyword list did not score, by advancing the query's scorer to it. */
    private static void fillBm25(IndexSearcher searcher, Query keyword, List<Candidate> byDoc) throws IOException {
        if (keyword == null) {
            byDoc.forEach(c -> c.bm25 = 0);
            return;
        }
        if (byDoc.stream().noneMatch(c -> Float.isNaN(c.bm25))) {
            return;
        }
        Weight weight = searcher.createWeight(searcher.rewrite(keyword), ScoreMode.COMPLETE, 1f);
        // The searcher's own leaves, not the reader's: a composite reader builds its context lazily and without a
        // lock, so two searches on a just-opened reader can each see a different one, and a term weight is valid
        // only for the context it was built on.
        forEachLeaf(searcher.getLeafContexts(), byDoc, (leaf, run) -> {
            ScorerSupplier supplier = weight.scorerSupplier(leaf);
            Scorer scorer = supplier == null ? null : supplier.get(Long.MAX_VALUE);
            DocIdSetIterator it = scorer == null ? null : scorer.iterator();
            for (Candidate c : run) {
                if (!Float.isNaN(c.bm25)) {
                    continue;
                }
                int doc = c.doc - leaf.docBase;
                if (it != null && it.docID() < doc) {
                    it.advance(doc);
                }
                c.bm25 = it != null && it.docID() == doc ? scorer.score() : 0f;
            }
        });
    }

    /** Document and unit ids from doc values: for grouping and a deterministic tie-break. */
    private static void fillKeys(IndexReader reader, List<Candidate> byDoc) throws IOException {
        forEachLeaf(reader.leaves(), byDoc, (leaf, run) -> {
            SortedDocValues docIds = leaf.reader().getSortedDocValues(IndexFields.DOC_ID);
            SortedDocValues unitIds = leaf.reader().getSortedDocValues(IndexFields.UNIT_ID);
            for (Candidate c : run) {
                int doc = c.doc - leaf.docBase;
                c.docId = docIds != null && docIds.advanceExact(doc) ? docIds.lookupOrd(docIds.ordValue()).utf8ToString() : "";
                // Indexes written before unit ids had doc values: the Lucene doc number, stable within one snapshot.
                c.unitId = unitIds != null && unitIds.advanceExact(doc)
                        ? unitIds.lookupOrd(unitIds.ordValue()).utf8ToString()
                        : String.format("~%010d", c.doc);
            }
        });
    }

    /** What to do with the candidates that fall in one leaf, in increasing doc id order. */
    @FunctionalInterface
    private interface LeafRun {
        void visit(LeafReaderContext leaf, List<Candidate> run) throws IOException;
    }

    /**
     * Hands each leaf the run of candidates inside it, so per-leaf iterators advance forward only.
     *
     * @param byDoc candidates sorted by global doc id
     */
    private static void forEachLeaf(List<LeafReaderContext> leaves, List<Candidate> byDoc, LeafRun action) throws IOException {
        int from = 0;
        for (LeafReaderContext leaf : leaves) {
            if (from == byDoc.size()) {
                return;
            }
            int end = leaf.docBase + leaf.reader().maxDoc();
            int to = from;
            while (to < byDoc.size() && byDoc.get(to).doc < end) {
                to++;
            }
            if (to > from) {
                action.visit(leaf, byDoc.subList(from, to));
            }
            from = to;
        }
    }

    private Hit toHit(IndexSearcher searcher, Analyzer analyzer, Set<String> queryTerms, Candidate c, int rank, SearchMode mode,
            boolean highlight, Cut cut)
            throws IOException {
        Document doc = searcher.storedFields().document(c.doc, STORED);
        String title = doc.get(IndexFields.TITLE);
        String text = doc.get(IndexFields.TEXT);
        List<Highlight> highlights = new ArrayList<>();
        if (highlight) {
            highlights.addAll(Highlighter.spans(analyzer, IndexFields.TITLE, title, queryTerms));
            highlights.addAll(Highlighter.spans(analyzer, IndexFields.TEXT, text, queryTerms));
        }
        Double cosine = mode.usesVectors() ? (double) c.cosine : null;
        Double relevance = cosine == null ? null : cut.relevance(cosine);
        String band = cosine == null ? null : Band.of(relevance != null ? relevance : cosine).label();
        return new Hit(rank, doc.get(IndexFields.UNIT_ID), doc.get(IndexFields.DOC_ID), title, text, doc.get(IndexFields.URL),
                cosine, relevance, c.bm25, c.score, band, highlights);
    }

    /** One unit in the pool of a search. */
    static final class Candidate {
        final int doc;
        /** Raw cosine; NaN until computed. */
        float cosine = Float.NaN;
        /** BM25; NaN until computed, 0 when no query term occurs. */
        float bm25 = Float.NaN;
        double score;
        String docId;
        String unitId;
        boolean inVectorList;
        boolean inKeywordList;

        Candidate(int doc) {
            this.doc = doc;
        }
    }
}
