package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.semdex.core.Calibration;
import io.semdex.core.FusionCalibration;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SourceDocument;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.Slot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A built generation fits its own threshold map on queries cut from its documents, with the real
 * bundled model, and records it in its manifest, where the query service reads it; a catalog's
 * judges its queries by the kind of product each names.
 */
class GenerationCalibratorTest {

    @TempDir
    Path work;

    @Test
    void aBuiltGenerationFitsItsThresholdMapOnItsOwnDocumentsAndRecordsIt() throws Exception {
        Path dir = EvalCommand.resolve("xquad-en");
        EmbedderSpec spec = EmbedderSpec.defaultModel();
        Generation generation = build(BeirDataset.load(dir, dir).slice(60).corpus(), spec);
        assertThat(Manifest.read(generation.manifestFile()).calibration()).as("before the fit").isNull();

        String said = GenerationCalibrator.calibrate(generation);

        Calibration fitted = Manifest.read(generation.manifestFile()).calibration();
        assertThat(said).contains("fitted on pseudo-queries").contains("full lift");
        // The full lift is chosen on the same pseudo-queries and recorded beside the map.
        FusionCalibration fusion = Manifest.read(generation.manifestFile()).fusion();
        assertThat(fusion).isNotNull();
        assertThat(fusion.fittedOn()).contains("pseudo-queries cut from the generation's documents");
        assertThat(LiftChoice.LIFTS).contains(fusion.fullLift());
        assertThat(fitted).isNotNull();
        assertThat(fitted.model()).isEqualTo(ModelPresets.DEFAULT);
        assertThat(fitted.fits(spec.fingerprint())).isTrue();
        assertThat(fitted.fittedOn()).contains("pseudo-queries cut from this generation's documents")
                .contains("refining the model's map");
        // The model's own map, fitted on other exports, is the prior the generation's pairs refine: the fit differs from it.
        Calibration modelMap = spec.calibration().orElseThrow();
        assertThat(fitted.cosines()).isNotEqualTo(modelMap.cosines());
        // Each query's own document is found above the others often enough to rise well above a top-ten hit's base rate.
        double[] relevances = fitted.relevances();
        assertThat(relevances[relevances.length - 1]).isGreaterThan(0.3);
        for (int i = 1; i < relevances.length; i++) {
            assertThat(relevances[i]).isGreaterThan(relevances[i - 1]);
        }
    }

    @Test
    void aCatalogsGenerationJudgesItsPseudoQueriesByTheKindOfProductItsIndexRecords() throws Exception {
        Path dir = EvalCommand.resolve("esci-dev");
        // Twelve leaf categories of five products each: each a twelfth of the corpus, so each a kind.
        Map<String, List<SourceDocument>> byCategory = new TreeMap<>();
        for (SourceDocument product : BeirDataset.load(dir, dir).corpus()) {
            if (product.fields().get(ProductKinds.FIELD) instanceof String category && !category.isBlank()) {
                byCategory.computeIfAbsent(category, c -> new ArrayList<>()).add(product);
            }
        }
        List<SourceDocument> catalog = byCategory.values().stream().filter(products -> products.size() >= 5).limit(12)
                .flatMap(products -> products.stream().limit(5)).toList();
        assertThat(catalog).hasSize(60);
        EmbedderSpec spec = EmbedderSpec.defaultModel();
        Generation generation = build(catalog, spec);

        GenerationCalibrator.calibrate(generation);

        Calibration fitted = Manifest.read(generation.manifestFile()).calibration();
        assertThat(fitted.fittedOn()).contains("the products of its kind");
        Matcher counts = Pattern.compile("(\\d+) queries, .*\\((\\d+) relevant\\)").matcher(fitted.fittedOn());
        assertThat(counts.find()).as(fitted.fittedOn()).isTrue();
        // Judged by its own document alone, a query has at most one relevant pair; the categories,
        // read back from the generation's index, judge the other products of its kind relevant too.
        assertThat(Integer.parseInt(counts.group(2))).isGreaterThan(Integer.parseInt(counts.group(1)));
    }

    @Test
    void pairsJudgedDenselyAreFittedAloneAndSparseOnesRefineTheModelsMap() {
        double[] priorCosines = new double[100];
        double[] tenth = new double[100];
        double[] ones = new double[100];
        for (int i = 0; i < 100; i++) {
            priorCosines[i] = i / 100.0;
            tenth[i] = 0.1; // one relevant in ten at every cosine: a flat, sparse map
            ones[i] = 1;
        }
        Calibration modelMap = Calibration.fit("m", "f", "sparse exports", priorCosines, tenth, ones);
        double[] cosines = new double[100]; // 10 queries, 10 pairs each
        boolean[] dense = new boolean[100];
        boolean[] sparse = new boolean[100];
        for (int i = 0; i < 100; i++) {
            cosines[i] = i / 100.0;
            dense[i] = i >= 70; // 30 relevant: 3 a query
            sparse[i] = i >= 90; // 10 relevant: 1 a query
        }

        Calibration alone = GenerationCalibrator.refine(modelMap, "m", "f", "kinds", cosines, dense, 10);
        Calibration refined = GenerationCalibrator.refine(modelMap, "m", "f", "own documents", cosines, sparse, 10);

        assertThat(alone.fittedOn()).isEqualTo("kinds; the pairs alone: 3.0 relevant a query, judged more densely than the model's map "
                + "stands for");
        assertThat(alone.relevances()).isEqualTo(Calibration.fit("m", "f", "kinds", cosines, dense).relevances());
        assertThat(alone.relevance(0.95)).isEqualTo(1.0);
        assertThat(refined.fittedOn()).isEqualTo("own documents; refining the model's map, which counts as much as the pairs");
        // Counted evenly against the prior's 0.1, the top pairs come to about the mean of the two.
        assertThat(refined.relevance(0.95)).isCloseTo(0.55, offset(0.001));
        assertThat(GenerationCalibrator.refine(null, "m", "f", "no model map", cosines, sparse, 10).relevances())
                .isEqualTo(Calibration.fit("m", "f", "no model map", cosines, sparse).relevances());
    }

    /** A generation of {@code corpus}, split, embedded and indexed as the eval command does, not yet calibrated. */
    private Generation build(List<SourceDocument> corpus, EmbedderSpec spec) throws Exception {
        IndexLayout layout;
        try (Embedder model = spec.open(Slot.SINGLE); VectorCache cache = EvalIndex.vectorCache(work, spec, model)) {
            List<List<Unit>> units = EvalIndex.split(corpus, spec);
            EvalIndex.embed(units, model, cache);
            layout = EvalIndex.write(work.resolve("index"), corpus, units, cache, model.info().modelId(), model.info().dimensions(),
                    TextAnalysis.ENGLISH, "test", null, null);
        }
        return layout.current().orElseThrow();
    }
}
