package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * What the embed stage asks of a factory instead of its kind: whether it fingerprints its model
 * itself, and a shared instance where it can give one.
 */
class EmbedderFactoryTest {

    @Test
    void aStandInNeedsAFingerprintFromWhoeverBuildsTheStage() {
        EmbedderFactory standIn = HashEmbedder.factory();
        assertThat(standIn.fingerprintsItself()).isFalse();
        assertThatThrownBy(standIn::fingerprint).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new EmbedOperator(standIn, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a fingerprint is needed");
        new EmbedOperator(standIn, HashEmbedder.PRESET.fingerprint(), null);
    }

    @Test
    void aSpecFingerprintsItsModelInTheTaskNotWhereTheStageIsBuilt() {
        // The file is missing here, as on a cluster's client: the stage is built all the same.
        EmbedderSpec spec = EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/nowhere/q3");
        assertThat(spec.fingerprintsItself()).isTrue();
        new EmbedOperator(spec, null, null);
        assertThatThrownBy(spec::fingerprint).isInstanceOf(IllegalStateException.class).hasMessageContaining("/nowhere/q3");
    }

    @Test
    void aSharedOpenJoinsTheSpecsInstanceWhileAStandInOpensItsOwn() {
        EmbedderSpec spec = EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu");
        try (Embedder held = SharedEmbedders.acquire(spec, Slot.SINGLE); Embedder joined = spec.openShared(Slot.SINGLE)) {
            assertThat(SharedEmbedders.holders(spec)).isEqualTo(2);
            assertThat(SharedEmbedders.instance(joined)).isSameAs(SharedEmbedders.instance(held));
        }
        assertThat(SharedEmbedders.holders(spec)).isZero();
        try (Embedder own = HashEmbedder.factory().openShared(Slot.SINGLE)) {
            assertThat(own).isInstanceOf(HashEmbedder.class);
        }
    }
}
