package io.semdex.app.eval;

import io.semdex.core.Calibration;
import io.semdex.core.ContentHash;
import io.semdex.core.DirectoryTree;
import io.semdex.core.FusionCalibration;
import io.semdex.core.Generation;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import io.semdex.ingest.Splitter;
import io.semdex.query.FusionWeights;
import io.semdex.query.LiveIndex;
import io.semdex.query.SearchRequest;
import io.semdex.query.Searcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a freshly built generation's threshold map on its own documents, before it goes live: the
 * queries {@link PseudoQueries} cuts from a sample of them, each searched (vector side, top ten
 * documents) against every other document of the generation plus its own document without the
 * query, re-split and re-embedded as the job would. Only the sample is embedded again, so the fit
 * costs seconds on any corpus size. {@code semdex reindex} writes the result into the manifest; the
 * query service then thresholds this generation on it.
 */
public final class GenerationCalibrator {

    private static final Logger LOG = LoggerFactory.getLogger(GenerationCalibrator.class);
    /** Other documents a pseudo-query's vector search looks at, by their units. */
    private static final int NEIGHBOUR_UNITS = 50;
    /**
     * How much the model's map counts, at each pseudo-query pair's cosine, against the pair's own
     * judgment in a generation's fit ({@link Calibration#refinedBy}): as much. A pseudo-query (a
     * title or first sentence, taken out of its document) finds its document more easily than a
     * user's question does, so a map fitted on such pairs alone rises at too high a cosine; the
     * model's map, fitted on real questions of other exports, tops out too low where judgments are
     * sparse. On the shared sets the even blend keeps the precision at relevance 0.5 within 0.09
     * across the English models (each alone: 0.11 and 0.17 apart) and keeps a hit at the default
     * threshold for 90 % or more of the queries with a relevant document in their top ten; weight 2
     * kept almost nothing at 0.5 on xquad-en (README, "Calibrated relevance").
     */
    static final double PRIOR_WEIGHT = 1;
    /** Documents of the sample the full lift is chosen on, at most: what embedding it costs is bounded. */
    static final int LIFT_SAMPLE = 600;

    private GenerationCalibrator() {}

    /**
     * Fits a built generation's threshold map and its default hybrid's full lift with the model its
     * manifest names and records them in the manifest; on any failure (the model cannot be opened
     * here, too few documents) the generation keeps the model's map and the service's full lift.
     * Returns a line for each that says which.
     */
    public static String calibrate(Generation generation) {
        Manifest manifest = Manifest.read(generation.manifestFile());
        EmbedderSpec spec = EmbedderSpec.parse(manifest.modelSpecOrId());
        try (Embedder embedder = spec.open(Slot.SINGLE)) {
            Optional<Calibration> fitted = fit(generation, manifest, spec, embedder, spec.fingerprint());
            if (fitted.isEmpty()) {
                return "  threshold map     the model's (too few pseudo-queries in the documents to fit one)\n"
                        + String.format(Locale.ROOT, "  full lift         %.2f, the service's constant", FusionWeights.FULL_LIFT);
            }
            FusionCalibration fusion = chooseLift(generation, manifest, spec, embedder);
            manifest.withCalibration(fitted.get()).withFusion(fusion).write(generation.manifestFile());
            return String.format(Locale.ROOT, "  threshold map     fitted on %s; default threshold %.2f = %s%n  full lift         %.2f, %s",
                    fitted.get().fittedOn(), SearchRequest.DEFAULT_THRESHOLD,
                    asCosine(fitted.get().cosineAt(SearchRequest.DEFAULT_THRESHOLD)), fusion.fullLift(), fusion.fittedOn());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not fit {}'s threshold map on its documents, it keeps its model's: {}", generation.name(), e.toString());
            return "  threshold map     the model's (fitting one failed: " + e.getMessage() + ")";
        }
    }

    /**
     * The generation's threshold map; empty when its documents give fewer than {@value
     * PseudoQueries#MIN_FIT_QUERIES} queries (the model's map then stays).
     */
    public static Optional<Calibration> fit(Generation generation, Manifest manifest, EmbedderSpec spec, Embedder embedder,
            String fingerprint) throws IOException {
        return onShards(generation, manifest, reader -> fit(reader, spec, embedder, fingerprint));
    }

    private interface ReaderUse<T> {
        T apply(IndexReader reader) throws IOException;
    }

    /** {@code use} applied to one reader over all of the generation's shards, closed after. */
    private static <T> T onShards(Generation generation, Manifest manifest, ReaderUse<T> use) throws IOException {
        List<DirectoryReader> shards = new ArrayList<>();
        try {
            for (int k = 0; k < manifest.shardCount(); k++) {
                shards.add(DirectoryReader.open(FSDirectory.open(generation.shardDir(k))));
            }
            try (MultiReader reader = new MultiReader(shards.toArray(IndexReader[]::new), false)) {
                return use.apply(reader);
            }
        } finally {
            for (DirectoryReader shard : shards) {
                shard.close();
            }
        }
    }

    static Optional<Calibration> fit(IndexReader reader, EmbedderSpec spec, Embedder embedder, String fingerprint) throws IOException {
        List<SourceDocument> sample = sample(reader);
        Map<String, Integer> titles = new HashMap<>();
        List<SourceDocument> all = List.copyOf(documents(reader, null).values());
        for (SourceDocument doc : all) {
            if (doc.title() != null) {
                titles.merge(doc.title().strip(), 1, Integer::sum);
            }
        }
        ProductKinds kinds = ProductKinds.of(all);
        List<PseudoQueries.Cut> cuts = new ArrayList<>();
        for (SourceDocument doc : sample) {
            PseudoQueries.Cut cut = PseudoQueries.cut(doc, doc.title() != null && titles.get(doc.title().strip()) == 1);
            if (cut != null && cuts.size() < PseudoQueries.MAX_QUERIES) {
                cuts.add(cut);
            }
        }
        if (cuts.size() < PseudoQueries.MIN_FIT_QUERIES) {
            LOG.info("{} pseudo-queries cut from the generation's documents, fewer than {}: it keeps its model's threshold map",
                    cuts.size(), PseudoQueries.MIN_FIT_QUERIES);
            return Optional.empty();
        }
        Splitter splitter = Splitter.forModel(spec, Splitter.DEFAULT_MAX_TOKENS);
        List<float[]> queries = embedder.embedQueries(cuts.stream().map(c -> Evaluation.clip(c.query())).toList());
        IndexSearcher searcher = new IndexSearcher(reader);
        int n = cuts.size() * ThresholdReport.TOP;
        double[] cosines = new double[n];
        boolean[] relevant = new boolean[n];
        int pairs = 0;
        for (int i = 0; i < cuts.size(); i++) {
            PseudoQueries.Cut cut = cuts.get(i);
            float[] q = queries.get(i);
            // Its own document without the query: what a user's question would find.
            List<Unit> units = splitter.split(cut.rest());
            double own = Double.NEGATIVE_INFINITY;
            for (float[] v : embedder.embedDocuments(units.stream().map(Unit::embeddingInput).toList())) {
                own = Math.max(own, dot(q, v));
            }
            // Every other document, by its best unit.
            BooleanQuery others = new BooleanQuery.Builder().add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER)
                    .add(new TermQuery(new Term(IndexFields.DOC_ID, cut.rest().id())), BooleanClause.Occur.MUST_NOT).build();
            Map<String, Double> best = new HashMap<>();
            StoredFields stored = reader.storedFields();
            for (ScoreDoc sd : searcher.search(new KnnFloatVectorQuery(IndexFields.VECTOR, q, NEIGHBOUR_UNITS, others), NEIGHBOUR_UNITS)
                    .scoreDocs) {
                String docId = stored.document(sd.doc, Set.of(IndexFields.DOC_ID)).get(IndexFields.DOC_ID);
                best.merge(docId, 2.0 * sd.score - 1, Math::max); // cosine from Lucene's (1 + cos) / 2
            }
            List<Map.Entry<String, Double>> ranked = new ArrayList<>(best.entrySet());
            ranked.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            String named = cut.rest().id();
            boolean ownPlaced = false;
            int taken = 0;
            for (int r = 0; taken < ThresholdReport.TOP && (r < ranked.size() || !ownPlaced); taken++) {
                if (!ownPlaced && (r >= ranked.size() || own >= ranked.get(r).getValue())) {
                    cosines[pairs] = clamp(own);
                    relevant[pairs++] = true;
                    ownPlaced = true;
                } else {
                    Map.Entry<String, Double> other = ranked.get(r++);
                    cosines[pairs] = clamp(other.getValue());
                    relevant[pairs++] = kinds.sameKind(named, other.getKey());
                }
            }
        }
        int positives = 0;
        for (int p = 0; p < pairs; p++) {
            positives += relevant[p] ? 1 : 0;
        }
        String fittedOn = String.format(Locale.ROOT, "pseudo-queries cut from this generation's documents (titles, first sentences), "
                + "judged relevant: %s: %d queries, top %d documents each by vector search, %d judged pairs (%d relevant)",
                kinds.judgedBy(), cuts.size(), ThresholdReport.TOP, pairs, positives);
        double[] c = Arrays.copyOf(cosines, pairs);
        boolean[] r = Arrays.copyOf(relevant, pairs);
        Calibration calibration = refine(spec.calibration().orElse(null), embedder.info().modelId(), fingerprint, fittedOn, c, r,
                cuts.size());
        LOG.info("Threshold map fitted on the generation's own documents: {}", calibration);
        return Optional.of(calibration);
    }

    /**
     * The generation's full lift ({@link LiftChoice#choose}), on the pseudo-queries cut from the
     * same fixed sample of its documents as the threshold map's: the sample is split, embedded and
     * indexed apart (in a temporary folder, with the generation's analyzer), the cut documents
     * standing without their queries, and searched by the query service's own {@link Searcher} at
     * each candidate lift. Embedding the sample (at most {@value #LIFT_SAMPLE} documents) is what
     * it costs.
     */
    static FusionCalibration chooseLift(Generation generation, Manifest manifest, EmbedderSpec spec, Embedder embedder) throws IOException {
        List<SourceDocument> sample = onShards(generation, manifest, GenerationCalibrator::sample);
        if (sample.size() > LIFT_SAMPLE) {
            sample = sample.subList(0, LIFT_SAMPLE);
        }
        BeirDataset pseudo = PseudoQueries.cut(generation.name() + " pseudo-queries", sample);
        if (pseudo.queries().size() < PseudoQueries.MIN_FIT_QUERIES) {
            return new FusionCalibration(FusionWeights.FULL_LIFT, "the service's constant (too few pseudo-queries in the "
                    + "sample to choose another)");
        }
        Path work = Files.createTempDirectory("semdex-lift-");
        try (VectorCache cache = VectorCache.open(work.resolve("vectors.bin"))) {
            List<List<Unit>> units = EvalIndex.split(pseudo.corpus(), spec);
            EvalIndex.embed(units, embedder, cache);
            IndexLayout layout = EvalIndex.write(work.resolve("index"), pseudo.corpus(), units, cache,
                    embedder.info().modelId(), embedder.info().dimensions(), manifest.analyzer(), "pseudo-queries", null, null);
            Map<String, float[]> queryVectors = new LinkedHashMap<>();
            List<String> texts = pseudo.queries().values().stream().map(Evaluation::clip).toList();
            List<float[]> vectors = embedder.embedQueries(texts);
            for (int i = 0; i < texts.size(); i++) {
                queryVectors.put(texts.get(i), vectors.get(i));
            }
            try (LiveIndex index = new LiveIndex(layout, embedder.info(), 60_000)) {
                PrecomputedQueries precomputed = new PrecomputedQueries(embedder, queryVectors);
                return LiftChoice.choose(weights -> new Searcher(index, precomputed, 0, weights), pseudo,
                        SearchRequest.DEFAULT_CANDIDATES, SearchRequest.DEFAULT_RRF_K);
            }
        } finally {
            DirectoryTree.delete(work);
        }
    }

    /**
     * Relevant pairs a query, on average, from which a generation's pairs count as densely judged
     * and are fitted alone ({@link #refine}): the own document and at least one more, which only
     * {@link ProductKinds} give. The model's map, which other pairs refine, corrects what sparse
     * pairs have (a pseudo-query finds the one document its words were cut from too easily) and
     * stands for judgments as sparse as an FAQ's: its exports gave 0.9–1 relevant pair a query.
     * Refining it, a catalog's kind-judged pairs kept a hit at relevance 0.5 on esci-dev for
     * 0.12–1.46 hits a query where 0.79–1.00 of them were relevant (0.21 apart between the English
     * models, on 8–99 hits); alone, 3.57–7.28 hits at 0.88–0.91 (0.03 apart). A model that finds
     * few products of the kind (bge-small-zh-v1.5 on that English catalog: 0.6 a query) keeps the
     * prior: alone, its pairs left the default threshold keeping a hit for half the queries.
     */
    static final double DENSE_PAIRS_PER_QUERY = 2;

    /**
     * A generation's map from its pseudo-query pairs of {@code queries} queries: the model's map
     * refined by them where the model has one ({@link #PRIOR_WEIGHT}), unless they are judged
     * densely ({@link #DENSE_PAIRS_PER_QUERY}); else the pairs' own fit.
     */
    static Calibration refine(Calibration modelMap, String modelId, String fingerprint, String fittedOn, double[] cosines,
            boolean[] relevant, int queries) {
        int positives = 0;
        for (boolean r : relevant) {
            positives += r ? 1 : 0;
        }
        if (modelMap != null && positives >= DENSE_PAIRS_PER_QUERY * queries) {
            return Calibration.fit(modelId, fingerprint, String.format(Locale.ROOT, "%s; the pairs alone: %.1f relevant a query, judged "
                    + "more densely than the model's map stands for", fittedOn, (double) positives / queries), cosines, relevant);
        }
        return modelMap == null ? Calibration.fit(modelId, fingerprint, fittedOn, cosines, relevant)
                : modelMap.refinedBy(fittedOn + "; refining the model's map, which counts as much as the pairs", cosines, relevant,
                        PRIOR_WEIGHT);
    }

    /** A threshold's raw cosine ({@link Calibration#cosineAt}) in words: "cosine 0.5791", or every or no cosine where it is infinite. */
    static String asCosine(double cosine) {
        return cosine == Double.NEGATIVE_INFINITY ? "every cosine (the map starts above it)"
                : cosine == Double.POSITIVE_INFINITY ? "no cosine (the map never reaches it)"
                : String.format(Locale.ROOT, "cosine %.4f", cosine);
    }

    private static double clamp(double cosine) {
        return Math.max(-1, Math.min(1, cosine));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** Up to three times {@link PseudoQueries#MAX_QUERIES} documents, the same ones for the same index: those of the smallest id hashes. */
    private static List<SourceDocument> sample(IndexReader reader) throws IOException {
        TreeMap<String, String> byHash = new TreeMap<>();
        forEachLive(reader, (fields, doc) -> {
            String id = fields.document(doc, Set.of(IndexFields.DOC_ID)).get(IndexFields.DOC_ID);
            byHash.put(ContentHash.of(id), id);
            if (byHash.size() > 3 * PseudoQueries.MAX_QUERIES) {
                byHash.pollLastEntry();
            }
        });
        Map<String, SourceDocument> documents = documents(reader, new HashSet<>(byHash.values()));
        List<SourceDocument> sample = new ArrayList<>();
        for (String id : byHash.values()) {
            if (documents.containsKey(id)) {
                sample.add(documents.get(id));
            }
        }
        return sample;
    }

    /**
     * Documents as their units hold them (title, texts in order; their {@value ProductKinds#FIELD}, the
     * one metadata field a fit reads), of {@code only} those ids, or all when null.
     */
    private static Map<String, SourceDocument> documents(IndexReader reader, Set<String> only) throws IOException {
        Map<String, String> titles = new HashMap<>();
        Map<String, TreeMap<Integer, String>> texts = new HashMap<>();
        String categoryField = IndexFields.FIELD_PREFIX + ProductKinds.FIELD;
        Map<String, String> categories = new HashMap<>();
        Set<String> fieldsToRead = only == null ? Set.of(IndexFields.DOC_ID, IndexFields.TITLE, categoryField)
                : Set.of(IndexFields.DOC_ID, IndexFields.TITLE, IndexFields.TEXT, IndexFields.UNIT_ID, categoryField);
        forEachLive(reader, (fields, doc) -> {
            Document d = fields.document(doc, fieldsToRead);
            String id = d.get(IndexFields.DOC_ID);
            if (only != null && !only.contains(id)) {
                return;
            }
            if (d.get(IndexFields.TITLE) != null) {
                titles.putIfAbsent(id, d.get(IndexFields.TITLE));
            }
            if (d.getValues(categoryField).length == 1) { // one category: a kind; several say none
                categories.putIfAbsent(id, d.get(categoryField));
            }
            if (only != null) {
                String unitId = d.get(IndexFields.UNIT_ID);
                int ordinal = Integer.parseInt(unitId.substring(unitId.lastIndexOf('#') + 1));
                texts.computeIfAbsent(id, k -> new TreeMap<>()).put(ordinal, d.get(IndexFields.TEXT));
            } else {
                texts.putIfAbsent(id, new TreeMap<>());
            }
        });
        Map<String, SourceDocument> documents = new HashMap<>();
        texts.forEach((id, parts) -> {
            Map<String, Object> fields = categories.containsKey(id) ? Map.of(ProductKinds.FIELD, categories.get(id)) : Map.of();
            documents.put(id, new SourceDocument(id, titles.get(id), String.join("\n\n", parts.values()), "text", null, null, null, null,
                    List.of(), fields));
        });
        return documents;
    }

    private interface LiveDoc {
        void visit(StoredFields fields, int doc) throws IOException;
    }

    private static void forEachLive(IndexReader reader, LiveDoc visit) throws IOException {
        for (LeafReaderContext leaf : reader.leaves()) {
            Bits live = leaf.reader().getLiveDocs();
            StoredFields fields = leaf.reader().storedFields();
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if (live == null || live.get(doc)) {
                    visit.visit(fields, doc);
                }
            }
        }
    }
}
