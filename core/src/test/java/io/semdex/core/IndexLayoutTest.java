package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexLayoutTest {

    @TempDir
    Path root;

    private static Manifest manifest(String model, int dims) {
        return new Manifest(model, dims, "cosine", TextAnalysis.CJK_BIGRAM, 1, Instant.parse("2026-11-22T00:00:00Z"), "kafka:documents",
                IndexOptions.DEFAULT);
    }

    @Test
    void aNewRootGetsAFirstGenerationThatIsLive() {
        IndexLayout layout = new IndexLayout(root);
        assertThat(layout.current()).isEmpty();
        Generation first = layout.currentOrCreate(manifest("m", 4));
        assertThat(first.name()).isEqualTo("gen-1");
        assertThat(layout.current()).contains(first);
        assertThat(Manifest.read(first.manifestFile())).isEqualTo(manifest("m", 4));
        assertThat(layout.currentOrCreate(manifest("other", 8))).isEqualTo(first);
    }

    @Test
    void switchingMovesCurrentToTheNewGeneration() {
        IndexLayout layout = new IndexLayout(root);
        layout.currentOrCreate(manifest("m", 4));
        Generation second = layout.create(layout.latestNumber() + 1, manifest("m", 4));
        assertThat(layout.current().orElseThrow().number()).isEqualTo(1);
        layout.switchTo(second);
        assertThat(layout.current()).contains(second);
    }

    @Test
    void aManifestRefusesAnotherModelOrDimensionCount() {
        Manifest m = manifest("bge-small-zh-v1.5", 512);
        m.requireCompatible("bge-small-zh-v1.5", 512);
        assertThatThrownBy(() -> m.requireCompatible("e5-small-v2", 384))
                .hasMessageContaining("'bge-small-zh-v1.5' (512 dimensions)")
                .hasMessageContaining("'e5-small-v2' (384 dimensions)");
    }

    @Test
    void bandsAreFixedCutoffsOfTheCalibratedScale() {
        assertThat(Band.of(Band.STRONG_FROM)).isEqualTo(Band.STRONG);
        assertThat(Band.of(Math.nextDown(Band.STRONG_FROM))).isEqualTo(Band.RELATED);
        assertThat(Band.of(Band.RELATED_FROM)).isEqualTo(Band.RELATED);
        assertThat(Band.of(Math.nextDown(Band.RELATED_FROM))).isEqualTo(Band.WEAK);
        assertThat(Band.of(Double.NaN)).isEqualTo(Band.WEAK);
    }
}
