package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.semdex.core.IndexFields;
import java.nio.file.Path;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FusionWeightsTest {

    @TempDir
    Path dir;

    @Test
    void aBestMatchWellAboveTheBackgroundEarnsTheFullVectorWeight() {
        // lift (0.85 - 0.4) / 0.6 = 0.75, past the full lift
        assertThat(FusionWeights.DEFAULT.vectorWeight(0.85, 0.4, 1.0)).isEqualTo(FusionWeights.MAX_VECTOR_WEIGHT);
    }

    @Test
    void theVectorWeightRisesLinearlyWithTheLift() {
        // lift (0.55 - 0.4) / 0.6 = 0.25 * 0.5 of the full lift
        double halfway = 0.4 + 0.6 * FusionWeights.FULL_LIFT / 2;
        assertThat(FusionWeights.DEFAULT.vectorWeight(halfway, 0.4, 1.0)).isCloseTo(FusionWeights.MAX_VECTOR_WEIGHT / 2, within(1e-9));
    }

    @Test
    void aModelThatPutsEveryTextCloseTogetherGetsNoVectorWeight() {
        // A Chinese model on English text: the best match (0.6) below two random units (0.67).
        assertThat(FusionWeights.DEFAULT.vectorWeight(0.6, 0.67, 1.0)).isZero();
    }

    @Test
    void queryTermsTheIndexLacksShiftWeightToTheVectorSideUpToHalf() {
        assertThat(FusionWeights.DEFAULT.vectorWeight(0.6, 0.67, 0.0)).isEqualTo(FusionWeights.MAX_UNMATCHED_SHARE);
        assertThat(FusionWeights.DEFAULT.vectorWeight(0.6, 0.67, 0.75)).isCloseTo(0.25, within(1e-9));
        // and never lower a weight the lift already earned
        assertThat(FusionWeights.DEFAULT.vectorWeight(0.85, 0.4, 0.0)).isEqualTo(FusionWeights.MAX_VECTOR_WEIGHT);
    }

    @Test
    void aLargerFullLiftAsksForMoreEvidenceBeforeTheFullWeight() {
        // lift (0.55 - 0.4) / 0.6 = 0.25
        assertThat(FusionWeights.withFullLift(0.25).vectorWeight(0.55, 0.4, 1.0)).isCloseTo(FusionWeights.MAX_VECTOR_WEIGHT, within(1e-9));
        assertThat(FusionWeights.withFullLift(0.5).vectorWeight(0.55, 0.4, 1.0)).isCloseTo(FusionWeights.MAX_VECTOR_WEIGHT / 2, within(1e-9));
        assertThat(FusionWeights.DEFAULT.fullLift()).isEqualTo(FusionWeights.FULL_LIFT);
        assertThatThrownBy(() -> FusionWeights.withFullLift(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noVectorListMeansNoVectorEvidence() {
        assertThat(FusionWeights.DEFAULT.vectorWeight(Double.NaN, 0.3, 1.0)).isZero();
    }

    @Test
    void theBackgroundIsTheMeanCosineOfRandomPairsAndIsRememberedPerSnapshot() throws Exception {
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, new IndexWriterConfig())) {
            // Half the units point one way, half at right angles: random pairs average about 0.5.
            for (int i = 0; i < 200; i++) {
                Document doc = new Document();
                float[] v = i % 2 == 0 ? new float[] {1, 0} : new float[] {0, 1};
                doc.add(new KnnFloatVectorField(IndexFields.VECTOR, v, VectorSimilarityFunction.DOT_PRODUCT));
                w.addDocument(doc);
                if (i == 99) {
                    w.commit(); // two segments: the sample spans leaves
                }
            }
            w.commit();
            try (DirectoryReader reader = DirectoryReader.open(d)) {
                FusionWeights.Background background = new FusionWeights.Background();
                double first = background.of(reader);
                assertThat(first).isCloseTo(0.5, within(0.06));
                assertThat(background.of(reader)).isEqualTo(first);
                assertThat(FusionWeights.Background.sample(reader)).isEqualTo(first); // the same pairs every time
            }
        }
    }

    @Test
    void anIndexWithoutTwoVectorsHasNoBackground() throws Exception {
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, new IndexWriterConfig())) {
            w.addDocument(new Document());
            w.commit();
            try (DirectoryReader reader = DirectoryReader.open(d)) {
                assertThat(FusionWeights.Background.sample(reader)).isZero();
            }
        }
    }
}
