package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.Calibration;
import io.semdex.core.FusionCalibration;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.Slot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A built generation fits its own threshold map on queries cut from its documents, with the real
 * bundled model, and records it in its manifest, where the query service reads it.
 */
class GenerationCalibratorTest {

    @TempDir
    Path work;

    @Test
    void aBuiltGenerationFitsItsThresholdMapOnItsOwnDocumentsAndRecordsIt() throws Exception {
        Path dir = EvalCommand.resolve("xquad-en");
        BeirDataset data = BeirDataset.load(dir, dir).slice(60);
        EmbedderSpec spec = EmbedderSpec.defaultModel();
        IndexLayout layout;
        try (Embedder model = spec.open(Slot.SINGLE); VectorCache cache = EvalIndex.vectorCache(work, spec, model)) {
            List<List<Unit>> units = EvalIndex.split(data.corpus(), spec);
            EvalIndex.embed(units, model, cache);
            layout = EvalIndex.write(work.resolve("index"), data.corpus(), units, cache, model.info().modelId(), model.info().dimensions(),
                    TextAnalysis.ENGLISH, dir.toString(), null, null);
        }
        Generation generation = layout.current().orElseThrow();
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
}
