package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Calibration;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.sink.ShardWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The searcher over a real Lucene shard written by the sink's own document mapping. Vectors are
 * chosen by hand (4 dimensions, a known cosine to the query), so thresholds and fusion can be
 * checked exactly; only the embedder is a stand-in, a table from text to vector.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearcherTest {

    private static final String QUERY = "running shoes";

    /** Unit id → cosine to the query vector (1, 0, 0, 0). */
    private static final Map<String, Double> COSINES = new LinkedHashMap<>();

    @TempDir
    static Path root;

    private LiveIndex index;
    private Searcher searcher;

    /** The map of the calibrated index: cosine 0.2 → 0.05, 0.6 → 0.3, 0.9 → 0.8, linear between, flat outside. */
    private static final Calibration CALIBRATION = new Calibration("table-model", "table-fingerprint", "a table", Calibration.VERSION,
            new double[] {0.2, 0.6, 0.9}, new double[] {0.05, 0.3, 0.8});

    @TempDir
    static Path calibratedRoot;

    private LiveIndex calibratedIndex;
    private Searcher calibrated;

    @BeforeAll
    void index() throws Exception {
        index = build(root, null);
        searcher = new Searcher(index, new TableEmbedder(), 0);
        calibratedIndex = build(calibratedRoot, CALIBRATION);
        calibrated = new Searcher(calibratedIndex, new TableEmbedder(), 0);
    }

    /** A request whose threshold is on the raw cosine, as every request was before calibration. */
    private static SearchRequest.Builder onCosine(String query) {
        return SearchRequest.builder(query).thresholdScale(ThresholdScale.COSINE);
    }

    private static LiveIndex build(Path root, Calibration calibration) throws Exception {
        IndexLayout layout = new IndexLayout(root);
        Generation gen = layout.create(1, new Manifest("table-model", 4, "cosine", TextAnalysis.ENGLISH, 1, Instant.now(), "test", null,
                null, calibration));
        try (ShardWriter shard = ShardWriter.open(gen.shardDir(0), TextAnalysis.ENGLISH, java.util.OptionalLong.empty())) {
            shard.apply(doc("shoes", Map.of("category", "shoes", "price", 59.9), unit("Running shoes", "Women's breathable running shoes with cushioned soles.", 0.9)));
            shard.apply(doc("boots", Map.of("category", "shoes", "price", 120), unit("Boots", "Leather hiking boots for winter.", 0.7)));
            shard.apply(doc("bottle", Map.of("category", "kitchen", "price", 25), unit("Bottle", "Insulated water bottle keeps drinks cold.", 0.2)));
            shard.apply(doc("manual", Map.of("category", "care", "price", 5),
                    unit("Shoe care", "How to clean running shoes after a muddy run.", 0.6),
                    unit("Shoe care", "Dry them in the shade, never on a heater.", 0.5)));
            shard.apply(doc("lexical", Map.of("category", "misc", "price", 1), unit(null, "running running running, all day running", 0.3)));
            shard.apply(doc("opposite", Map.of("category", "misc", "price", 2), unit(null, "A quiet evening with a good book.", -0.4)));
            shard.commitAndPublish();
        }
        layout.switchTo(gen);
        return new LiveIndex(layout, new TableEmbedder().info(), 60_000);
    }

    @AfterAll
    void close() {
        index.close();
        calibratedIndex.close();
    }

    @Test
    void theCalibratedThresholdKeepsExactlyTheHitsOfThatRelevanceAndEachCarriesBothNumbers() throws Exception {
        for (SearchMode mode : List.of(SearchMode.VECTOR, SearchMode.HYBRID)) {
            SearchResponse response = calibrated.search(SearchRequest.builder(QUERY).mode(mode).threshold(0.3).build());
            // Relevance 0.3 is cosine 0.6 on this map: shoes 0.9, boots 0.7 and manual 0.6 pass; 0.5, 0.3, 0.2, -0.4 do not.
            assertThat(docs(response)).as("%s", mode).containsExactlyInAnyOrder("shoes", "boots", "manual");
            assertThat(response.thresholdScale()).isEqualTo("calibrated");
            assertThat(response.thresholdCosine()).isCloseTo(0.6, within(1e-9));
            for (Hit hit : response.hits()) {
                assertThat(hit.relevance()).isEqualTo(CALIBRATION.relevance(hit.cosine())).isGreaterThanOrEqualTo(0.3);
                assertThat(hit.band()).isEqualTo(io.semdex.core.Band.of(hit.relevance()).label());
            }
        }
        Hit shoes = calibrated.search(SearchRequest.builder(QUERY).mode(SearchMode.VECTOR).build()).hits().get(0);
        assertThat(shoes.relevance()).isCloseTo(0.8, within(1e-6));
        assertThat(shoes.band()).isEqualTo("strong");
        // threshold_scale=cosine keeps the raw meaning on a calibrated generation: 0.3 is a cosine here, and relevance still shows.
        SearchResponse raw = calibrated.search(onCosine(QUERY).mode(SearchMode.VECTOR).threshold(0.3).build());
        assertThat(docs(raw)).containsExactlyInAnyOrder("shoes", "boots", "manual", "manual", "lexical");
        assertThat(raw.thresholdScale()).isEqualTo("cosine");
        assertThat(raw.hits()).allSatisfy(h -> assertThat(h.relevance()).isNotNull());
    }

    @Test
    void aHigherCalibratedThresholdNeverKeepsMoreHits() throws Exception {
        for (SearchMode mode : List.of(SearchMode.VECTOR, SearchMode.HYBRID)) {
            Set<String> previous = null;
            for (int step = 0; step <= 20; step++) {
                double t = step / 20.0;
                Set<String> kept = new TreeSet<>(ids(calibrated.search(SearchRequest.builder(QUERY).mode(mode).threshold(t).k(20).build())));
                if (previous != null) {
                    assertThat(previous).as("%s at %.2f", mode, t).containsAll(kept);
                }
                previous = kept;
            }
        }
    }

    @Test
    void anUncalibratedGenerationThresholdsTheRawCosineAndSaysSo() throws Exception {
        SearchResponse response = searcher.search(SearchRequest.builder(QUERY).mode(SearchMode.VECTOR).threshold(0.55).build());
        assertThat(response.thresholdScale()).isEqualTo("cosine");
        assertThat(response.thresholdCosine()).isEqualTo(0.55);
        assertThat(docs(response)).containsExactlyInAnyOrder("shoes", "boots", "manual");
        assertThat(response.hits()).allSatisfy(h -> assertThat(h.relevance()).isNull());
        assertThatThrownBy(() -> SearchRequest.builder(QUERY).threshold(-0.5).build())
                .hasMessageContaining("'threshold' on the calibrated scale must be a relevance between 0 and 1");
    }

    @Test
    void vectorModeRanksByTheRawCosineAndCutsAtTheThreshold() throws Exception {
        SearchResponse response = search(onCosine(QUERY).mode(SearchMode.VECTOR).threshold(0.55));
        assertThat(ids(response)).containsExactly("shoes#0", "boots#0", "manual#0");
        for (Hit hit : response.hits()) {
            assertThat(hit.cosine()).isCloseTo(COSINES.get(hit.unitId()), within(1e-6)).isGreaterThanOrEqualTo(0.55);
            assertThat(hit.score()).isEqualTo(hit.cosine());
        }
        assertThat(response.hits().get(0).band()).isEqualTo("strong");
        assertThat(response.threshold()).isEqualTo(0.55);
        assertThat(response.fusion()).isNull();
    }

    @Test
    void aUnitFoundOnlyByKeywordsGetsItsCosineFromItsStoredVectorBeforeTheCut() throws Exception {
        // The vector side's top 4 have cosines 0.9 to 0.5: "lexical" (0.3) can only enter the pool through BM25.
        // Four units match a query term, and a vector weight of 0 puts the keyword side's order on the page.
        SearchRequest.Builder request = onCosine(QUERY).candidates(4).k(4).fusion(Fusion.LINEAR).alpha(0.0);
        SearchResponse all = search(request.threshold(0.25));
        Hit lexical = all.hits().stream().filter(h -> h.docId().equals("lexical")).findFirst().orElseThrow();
        assertThat(lexical.cosine()).isCloseTo(0.3, within(1e-6));
        assertThat(lexical.bm25()).isPositive();

        SearchResponse cut = search(request.threshold(0.35));
        assertThat(ids(cut)).doesNotContain("lexical#0");
        assertThat(cut.total()).isEqualTo(all.total() - 1);
        assertThat(cut.hits()).allSatisfy(h -> assertThat(h.cosine()).isGreaterThanOrEqualTo(0.35));
    }

    @Test
    void aGenerationsFittedFullLiftWeighsItsHybridSearchesAndWithoutOneTheConstantDoes() {
        Manifest plain = new Manifest("m", 4, "cosine", "smartcn", 1, java.time.Instant.EPOCH, "t", null);
        assertThat(Searcher.weightsOf(plain)).isSameAs(FusionWeights.DEFAULT);
        assertThat(Searcher.weightsOf(null)).isSameAs(FusionWeights.DEFAULT);
        FusionWeights fitted = Searcher.weightsOf(plain.withFusion(new io.semdex.core.FusionCalibration(0.8, "pseudo-queries")));
        assertThat(fitted.fullLift()).isEqualTo(0.8);
        // The same evidence (a lift of 0.4 above the background) earns less weight where the generation asks for more.
        assertThat(fitted.vectorWeight(0.7, 0.5, 1.0)).isCloseTo(FusionWeights.MAX_VECTOR_WEIGHT * 0.4 / 0.8, within(1e-9))
                .isLessThan(FusionWeights.DEFAULT.vectorWeight(0.7, 0.5, 1.0));
    }

    @Test
    void hybridWithoutAWeightWeighsThisQueryAndSaysWhichWeightItUsed() throws Exception {
        double background;
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            background = FusionWeights.Background.sample(snapshot.searcher().getIndexReader());
        }
        // Best cosine 0.9; both query terms occur in the index.
        double expected = FusionWeights.DEFAULT.vectorWeight(0.9, background, 1.0);
        SearchResponse adaptive = search(onCosine(QUERY).threshold(-1));
        assertThat(adaptive.weighting()).isEqualTo("adaptive");
        assertThat(adaptive.alpha()).isCloseTo(expected, within(1e-6));

        SearchResponse fixed = search(onCosine(QUERY).threshold(-1).alpha(0.3));
        assertThat(fixed.weighting()).isEqualTo("request");
        assertThat(fixed.alpha()).isEqualTo(0.3);

        SearchResponse same = search(onCosine(QUERY).threshold(-1).alpha(expected));
        assertThat(ids(same)).isEqualTo(ids(adaptive)); // the weight named is the weight used

        SearchResponse unmatched = search(onCosine("zzzz qqqq").threshold(-1));
        assertThat(unmatched.alpha()).as("no query term in the index").isGreaterThanOrEqualTo(FusionWeights.MAX_UNMATCHED_SHARE);

        SearchResponse vector = search(onCosine(QUERY).mode(SearchMode.VECTOR));
        assertThat(vector.alpha()).isNull();
        assertThat(vector.weighting()).isNull();
    }

    @Test
    void everyVectorAndHybridHitMeetsTheThresholdAndNothingAboveItIsLost() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            double threshold = Math.round((random.nextDouble() * 2 - 1) * 100) / 100.0;
            Set<String> expected = new TreeSet<>();
            COSINES.forEach((id, cos) -> {
                if (cosineOf(id) >= threshold) {
                    expected.add(id);
                }
            });
            for (SearchMode mode : List.of(SearchMode.VECTOR, SearchMode.HYBRID)) {
                for (Fusion fusion : Fusion.values()) {
                    SearchResponse r = search(onCosine(QUERY).mode(mode).fusion(fusion).threshold(threshold).k(20));
                    assertThat(r.hits()).allSatisfy(h -> assertThat(h.cosine()).isGreaterThanOrEqualTo(threshold));
                    assertThat(new TreeSet<>(ids(r))).as("%s/%s at %s", mode, fusion, threshold).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void keywordModeIgnoresTheThresholdAndHasNoCosine() throws Exception {
        SearchResponse r = search(onCosine(QUERY).mode(SearchMode.KEYWORD).threshold(0.99));
        assertThat(ids(r)).contains("lexical#0", "shoes#0", "manual#0").doesNotContain("bottle#0", "opposite#0");
        assertThat(r.hits()).allSatisfy(h -> {
            assertThat(h.cosine()).isNull();
            assertThat(h.band()).isNull();
            assertThat(h.score()).isEqualTo(h.bm25()).isPositive();
        });
        assertThat(r.hits()).extracting(Hit::bm25).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(r.threshold()).isNull();
        assertThat(r.embedMs()).isZero();
    }

    @Test
    void hybridCarriesBothScoresAndFusesThem() throws Exception {
        SearchResponse r = search(onCosine(QUERY).threshold(0));
        assertThat(r.mode()).isEqualTo("hybrid");
        assertThat(r.fusion()).isEqualTo(SearchRequest.DEFAULT_FUSION.label());
        assertThat(r.hits()).allSatisfy(h -> {
            assertThat(h.cosine()).isNotNull();
            assertThat(h.bm25()).isGreaterThanOrEqualTo(0);
        });
        assertThat(r.hits()).extracting(Hit::score).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(ids(r).get(0)).as("best on both sides").isEqualTo("shoes#0");
        // A unit with no query term still has its BM25, 0.
        assertThat(r.hits().stream().filter(h -> h.unitId().equals("boots#0")).findFirst().orElseThrow().bm25()).isZero();
    }

    @Test
    void filtersRestrictBothSides() throws Exception {
        for (SearchMode mode : SearchMode.values()) {
            SearchResponse shoes = search(onCosine(QUERY).mode(mode).threshold(-1).filter(MetadataFilter.parse("category:shoes")));
            assertThat(docs(shoes)).as(mode.label()).isSubsetOf("shoes", "boots").contains("shoes");
            SearchResponse cheap = search(onCosine(QUERY).mode(mode).threshold(-1).filter(MetadataFilter.parse("price:[10 TO 60]")));
            assertThat(docs(cheap)).as(mode.label()).isSubsetOf("shoes", "bottle").contains("shoes");
        }
        SearchResponse exclusive = search(onCosine(QUERY).mode(SearchMode.VECTOR).threshold(-1)
                .filter(MetadataFilter.parse("price:{25 TO 60]")));
        assertThat(docs(exclusive)).containsExactly("shoes");
        SearchResponse either = search(onCosine(QUERY).mode(SearchMode.VECTOR).threshold(-1)
                .filter(MetadataFilter.parse("category:kitchen")).filter(MetadataFilter.parse("category:care"))
                .filter(MetadataFilter.parse("price:[* TO 30]")));
        assertThat(new TreeSet<>(docs(either))).as("same field OR, other fields AND").containsExactly("bottle", "manual");
        assertThat(docs(search(onCosine(QUERY).mode(SearchMode.VECTOR).threshold(-1)
                .filter(MetadataFilter.parse("price:59.9"))))).containsExactly("shoes");
    }

    @Test
    void aFilterOnAFieldNoDocumentHasNamesTheFieldsThatExist() {
        assertThatThrownBy(() -> search(onCosine(QUERY).filter(MetadataFilter.parse("colour:red"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'colour'").hasMessageContaining("category").hasMessageContaining("price");
        assertThatThrownBy(() -> search(onCosine(QUERY).filter(MetadataFilter.parse("category:[1 TO 2]"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds text");
        assertThatThrownBy(() -> search(onCosine(QUERY).filter(MetadataFilter.parse("price:cheap"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numeric");
    }

    @Test
    void groupingKeepsEachDocumentsBestUnit() throws Exception {
        SearchResponse units = search(onCosine("shade heater running").mode(SearchMode.KEYWORD));
        assertThat(docs(units)).filteredOn("manual"::equals).hasSize(2);
        SearchResponse grouped = search(onCosine("shade heater running").mode(SearchMode.KEYWORD).groupByDoc(true));
        assertThat(docs(grouped)).doesNotHaveDuplicates().contains("manual");
        Hit manual = grouped.hits().stream().filter(h -> h.docId().equals("manual")).findFirst().orElseThrow();
        double best = units.hits().stream().filter(h -> h.docId().equals("manual")).mapToDouble(Hit::score).max().orElseThrow();
        assertThat(manual.score()).isEqualTo(best);
        assertThat(grouped.total()).isEqualTo(grouped.hits().size());
    }

    @Test
    void pagesOfOneRankingNeitherOverlapNorSkip() throws Exception {
        for (SearchMode mode : SearchMode.values()) {
            for (Fusion fusion : Fusion.values()) {
                SearchResponse whole = search(onCosine(QUERY).mode(mode).fusion(fusion).threshold(-1).k(6));
                List<String> paged = new ArrayList<>();
                List<Integer> ranks = new ArrayList<>();
                for (int offset = 0; offset < 6; offset += 2) {
                    SearchResponse page = search(onCosine(QUERY).mode(mode).fusion(fusion).threshold(-1).k(2).offset(offset));
                    paged.addAll(ids(page));
                    page.hits().forEach(h -> ranks.add(h.rank()));
                    assertThat(page.offset()).isEqualTo(offset);
                }
                assertThat(paged).as("%s %s", mode, fusion).isEqualTo(ids(whole));
                assertThat(ranks).isEqualTo(whole.hits().stream().map(Hit::rank).toList());
            }
        }
        assertThatThrownBy(() -> onCosine(QUERY).k(10).offset(95).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raise 'candidates'");
    }

    @Test
    void highlightsAreSpansOfTheMatchedTermsInTheStoredText() throws Exception {
        Hit shoes = search(onCosine("run shoe").mode(SearchMode.KEYWORD).k(10)).hits().stream()
                .filter(h -> h.unitId().equals("shoes#0")).findFirst().orElseThrow();
        List<String> text = new ArrayList<>();
        List<String> title = new ArrayList<>();
        for (Highlight h : shoes.highlights()) {
            (h.field().equals("text") ? text : title).add((h.field().equals("text") ? shoes.text() : shoes.title()).substring(h.start(), h.end()));
        }
        assertThat(text).as("stemmed query terms mark the inflected words").containsExactly("running", "shoes");
        assertThat(title).containsExactly("Running", "shoes");
    }

    @Test
    void linearFusionWeighsEachSideMinMaxNormalizedOverItsOwnList() {
        // Vector list: 1, 2, 3 (cosines 0.9, 0.5, 0.7); keyword list: 2, 3 (BM25 10, 5); 4 came by keywords only.
        List<Searcher.Candidate> pool = List.of(candidate(1, 0.9f, 0f, true, false), candidate(2, 0.5f, 10f, true, true),
                candidate(3, 0.7f, 5f, true, true), candidate(4, 0.2f, 7.5f, false, true));
        Searcher.fuse(pool, Fusion.LINEAR, 0.7, SearchRequest.DEFAULT_RRF_K);
        assertThat(pool.get(0).score).isCloseTo(0.7 * 1.0 + 0.3 * 0.0, within(1e-6));
        assertThat(pool.get(1).score).isCloseTo(0.7 * 0.0 + 0.3 * 1.0, within(1e-6));
        assertThat(pool.get(2).score).isCloseTo(0.7 * 0.5 + 0.3 * 0.0, within(1e-6));
        assertThat(pool.get(3).score).as("below the vector list's lowest cosine: 0 on that side").isCloseTo(0.3 * 0.5, within(1e-6));
    }

    @Test
    void rrfAddsWeightedReciprocalRanksWithinEachList() {
        List<Searcher.Candidate> pool = List.of(candidate(1, 0.9f, 0f, true, false), candidate(2, 0.5f, 10f, true, true),
                candidate(3, 0.7f, 5f, true, true), candidate(4, 0.2f, 7.5f, false, true));
        Searcher.fuse(pool, Fusion.RRF, 0.6, 60);
        assertThat(pool.get(0).score).isCloseTo(0.6 / 61, within(1e-12));
        assertThat(pool.get(1).score).isCloseTo(0.6 / 63 + 0.4 / 61, within(1e-12));
        assertThat(pool.get(2).score).isCloseTo(0.6 / 62 + 0.4 / 63, within(1e-12));
        assertThat(pool.get(3).score).as("not in the vector list: nothing from that side").isCloseTo(0.4 / 62, within(1e-12));
    }

    private static Searcher.Candidate candidate(int doc, float cosine, float bm25, boolean vectorList, boolean keywordList) {
        Searcher.Candidate c = new Searcher.Candidate(doc);
        c.cosine = cosine;
        c.bm25 = bm25;
        c.inVectorList = vectorList;
        c.inKeywordList = keywordList;
        return c;
    }

    private SearchResponse search(SearchRequest.Builder request) throws Exception {
        return searcher.search(request.build());
    }

    private static List<String> ids(SearchResponse r) {
        return r.hits().stream().map(Hit::unitId).toList();
    }

    private static List<String> docs(SearchResponse r) {
        return r.hits().stream().map(Hit::docId).toList();
    }

    /** The cosine as the index computes it: float dot product of the stored vector and the query. */
    private static double cosineOf(String unitId) {
        return VectorUtil.dotProduct(TableEmbedder.QUERY_VECTOR, vectorFor(unitId, COSINES.get(unitId)));
    }

    /** A unit before it belongs to a document. */
    private record Draft(String title, String text, double cosine) {}

    private static Draft unit(String title, String text, double cosine) {
        return new Draft(title, text, cosine);
    }

    private static EmbeddedDocument doc(String id, Map<String, Object> fields, Draft... drafts) {
        List<EmbeddedUnit> embedded = new ArrayList<>();
        for (int i = 0; i < drafts.length; i++) {
            Draft d = drafts[i];
            Unit u = new Unit(Unit.idOf(id, i), id, i, d.text(), List.of(), d.title(), "https://example.com/" + id, "test", "en", fields,
                    "h" + i);
            COSINES.put(u.unitId(), d.cosine());
            embedded.add(new EmbeddedUnit(u, vectorFor(u.unitId(), d.cosine())));
        }
        return new EmbeddedDocument(id, 0, false, embedded);
    }

    /** A unit vector at the given cosine to (1, 0, 0, 0), its remainder pointing a direction of its own. */
    private static float[] vectorFor(String unitId, double cosine) {
        Random r = new Random(unitId.hashCode());
        float[] rest = {0, (float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
        VectorUtil.l2normalize(rest);
        double s = Math.sqrt(1 - cosine * cosine);
        return new float[] {(float) cosine, (float) (s * rest[1]), (float) (s * rest[2]), (float) (s * rest[3])};
    }

    /** Embeds from a table: the query is (1, 0, 0, 0); documents are never embedded here. */
    private static final class TableEmbedder implements Embedder {
        static final float[] QUERY_VECTOR = {1, 0, 0, 0};
        private final Map<String, float[]> queries = new HashMap<>(Map.of(QUERY, QUERY_VECTOR));

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            throw new UnsupportedOperationException("the index is written with vectors chosen by hand");
        }

        @Override
        public List<float[]> embedQueries(List<String> texts) {
            return texts.stream().map(t -> queries.getOrDefault(t, QUERY_VECTOR)).toList();
        }

        @Override
        public EmbedderInfo info() {
            return new EmbedderInfo("table-model", 4, "table", "cpu", 512, 4);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            throw new UnsupportedOperationException("the searcher embeds queries only");
        }

        @Override
        public io.semdex.embed.ModelPreset preset() {
            throw new UnsupportedOperationException("a table of vectors has no model files");
        }

        @Override
        public int countTokens(String text) {
            return text.length();
        }

        @Override
        public void close() {}
    }
}
