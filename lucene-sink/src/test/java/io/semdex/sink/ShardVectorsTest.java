package io.semdex.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexOptions;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.StoredVectors;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embed stage's reuse read from real shards on disk: what a view finds, after which commits. */
class ShardVectorsTest {

    private static final int DIMENSIONS = 8;

    @TempDir
    Path root;

    private final Random random = new Random(7);

    /** A version of {@code id}: one unit per text, each with a random unit vector under the key the embed stage would give it. */
    private EmbeddedDocument doc(String id, String... texts) {
        List<EmbeddedUnit> units = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            Unit unit = new Unit(Unit.idOf(id, i), id, i, texts[i], List.of(), null, null, null, null, null, ContentHash.of(texts[i]));
            units.add(new EmbeddedUnit(unit, randomUnitVector(), key(texts[i])));
        }
        return new EmbeddedDocument(id, 0, false, units);
    }

    private static String key(String text) {
        return ContentHash.of("model-fingerprint", text);
    }

    private float[] randomUnitVector() {
        float[] v = new float[DIMENSIONS];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return VectorUtil.l2normalize(v);
    }

    private Path shard(int generation, int shard) {
        IndexLayout layout = new IndexLayout(root);
        if (layout.latestNumber() < generation) {
            layout.create(generation, new Manifest("m", DIMENSIONS, "cosine", TextAnalysis.CJK_BIGRAM, 2, Instant.EPOCH, "test", IndexOptions.DEFAULT));
        }
        return layout.generation(generation).shardDir(shard);
    }

    private static Map<String, float[]> vectorsOf(EmbeddedDocument doc) {
        Map<String, float[]> vectors = new java.util.HashMap<>();
        doc.units().forEach(u -> vectors.put(u.vectorKey(), u.vector()));
        return vectors;
    }

    @ParameterizedTest(name = "quantization {0}")
    @ValueSource(strings = {"none", "int8"})
    void aViewFindsEveryCommittedUnitsVectorExactlyUnderItsKey(String quantization) throws IOException {
        EmbeddedDocument a = doc("a", "one", "two", "three");
        EmbeddedDocument b = doc("b", "four");
        try (ShardWriter writer = ShardWriter.open(shard(1, 0), TextAnalysis.CJK_BIGRAM, IndexOptions.DEFAULT.withQuantization(quantization),
                OptionalLong.empty())) {
            writer.apply(a);
            writer.commit();
            writer.apply(b); // another segment
            writer.commit();
        }
        try (StoredVectors.View view = new ShardVectors(root, 1).open(0)) {
            assertThat(view.vectors("a")).containsOnlyKeys(key("one"), key("two"), key("three"));
            Map<String, float[]> found = view.vectors("a");
            vectorsOf(a).forEach((key, vector) -> assertThat(found.get(key)).containsExactly(vector));
            assertThat(view.vectors("b").get(key("four"))).containsExactly(vectorsOf(b).get(key("four")));
            assertThat(view.vectors("c")).isEmpty();
        }
    }

    @Test
    void aViewSeesNewCommitsOnRefreshAndNeverAReplacedOrDeletedVersion() throws IOException {
        Path dir = shard(1, 1);
        try (StoredVectors.View view = new ShardVectors(root, 1).open(1); // before the shard exists: nothing, then it appears
                ShardWriter writer = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            assertThat(view.vectors("a")).isEmpty();
            writer.apply(doc("a", "old one", "old two"));
            writer.commit();
            assertThat(view.vectors("a")).as("before the refresh").isEmpty();
            view.refresh();
            assertThat(view.vectors("a")).containsOnlyKeys(key("old one"), key("old two"));

            EmbeddedDocument updated = doc("a", "new one");
            writer.apply(updated);
            writer.commit();
            view.refresh();
            assertThat(view.vectors("a")).containsOnlyKeys(key("new one"));
            assertThat(view.vectors("a").get(key("new one"))).containsExactly(updated.units().get(0).vector());

            writer.apply(EmbeddedDocument.delete("a"));
            writer.commit();
            view.refresh();
            assertThat(view.vectors("a")).isEmpty();
        }
    }

    @Test
    void unitsWrittenWithoutAKeyAreNotOffered() throws IOException {
        try (ShardWriter writer = ShardWriter.open(shard(1, 0), TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            EmbeddedDocument keyed = doc("old", "written before keys were stored");
            writer.apply(new EmbeddedDocument("old", 0, false,
                    List.of(new EmbeddedUnit(keyed.units().get(0).unit(), keyed.units().get(0).vector()))));
            writer.apply(doc("new", "keyed"));
            writer.commit();
        }
        try (StoredVectors.View view = new ShardVectors(root, 1).open(0)) {
            assertThat(view.vectors("old")).isEmpty();
            assertThat(view.vectors("new")).containsOnlyKeys(key("keyed"));
        }
    }

    @Test
    void aViewReadsItsOwnShardOfItsOwnGeneration() throws IOException {
        try (ShardWriter first = ShardWriter.open(shard(1, 0), TextAnalysis.CJK_BIGRAM, OptionalLong.empty());
                ShardWriter other = ShardWriter.open(shard(2, 0), TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            first.apply(doc("a", "in generation one"));
            first.commit();
            other.apply(doc("b", "in generation two"));
            other.commit();
        }
        try (StoredVectors.View gen1 = new ShardVectors(root, 1).open(0);
                StoredVectors.View gen1Shard1 = new ShardVectors(root, 1).open(1);
                StoredVectors.View gen2 = new ShardVectors(root, 2).open(0)) {
            assertThat(gen1.vectors("a")).containsOnlyKeys(key("in generation one"));
            assertThat(gen1.vectors("b")).isEmpty();
            assertThat(gen1Shard1.vectors("a")).isEmpty();
            assertThat(gen2.vectors("b")).containsOnlyKeys(key("in generation two"));
        }
    }

    /** A view open on a commit that a restore then rolls back keeps its vectors (they are no less the model's) and moves on at refresh. */
    @Test
    void aRollbackUnderAnOpenViewLeavesItWorkingAndTheRefreshFollowsIt() throws IOException {
        Path dir = shard(1, 0);
        long checkpointed;
        EmbeddedDocument lost = doc("b", "in a commit whose checkpoint failed");
        try (ShardWriter writer = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            writer.apply(doc("a", "kept"));
            checkpointed = writer.commit().orElseThrow();
            writer.apply(lost);
            writer.commit();
        }
        try (StoredVectors.View view = new ShardVectors(root, 1).open(0)) {
            assertThat(view.vectors("b").get(key("in a commit whose checkpoint failed"))).containsExactly(lost.units().get(0).vector());
            try (ShardWriter restored = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(checkpointed))) {
                assertThat(view.vectors("b")).as("the open commit, rolled back under the view").hasSize(1);
                view.refresh();
                assertThat(view.vectors("b")).isEmpty();
                assertThat(view.vectors("a")).containsOnlyKeys(key("kept"));
            }
        }
    }
}
