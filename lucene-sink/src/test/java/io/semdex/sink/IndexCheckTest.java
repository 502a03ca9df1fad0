package io.semdex.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.lucene.index.IndexWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index check refuses what a real shard would refuse, and lets through what it would take:
 * each case is also written to a real Lucene shard.
 */
class IndexCheckTest {

    private static final int DIMS = 4;

    @TempDir
    Path dir;

    private static EmbeddedDocument doc(String id, Map<String, Object> fields, float[] vector) {
        Unit unit = new Unit(Unit.idOf(id, 0), id, 0, "some text", List.of(), "title", null, "test", "en", fields, ContentHash.of("some text"));
        return new EmbeddedDocument(id, 1L, false, List.of(new EmbeddedUnit(unit, vector)));
    }

    private static float[] unitVector() {
        return new float[] {0.5f, 0.5f, 0.5f, 0.5f};
    }

    @Test
    void aKeywordUpToLucenesTermLimitPassesAndTheShardTakesIt() throws Exception {
        EmbeddedDocument ok = doc("ok", Map.of("sku", "x".repeat(IndexWriter.MAX_TERM_LENGTH)), unitVector());
        assertThat(IndexCheck.problem(ok, DIMS)).isNull();
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.DEFAULT, OptionalLong.empty())) {
            shard.apply(ok);
            shard.commit();
        }
    }

    @Test
    void aKeywordOverLucenesTermLimitIsRefusedAsTheShardWouldRefuseIt() throws Exception {
        // Three bytes per character in UTF-8: under the limit in chars, over it in bytes.
        EmbeddedDocument tooLong = doc("long", Map.of("sku", "索".repeat(IndexWriter.MAX_TERM_LENGTH / 3 + 1)), unitVector());
        assertThat(IndexCheck.problem(tooLong, DIMS)).contains("field.sku").contains(Integer.toString(IndexWriter.MAX_TERM_LENGTH));
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.DEFAULT, OptionalLong.empty())) {
            assertThatThrownBy(() -> shard.apply(tooLong)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aVectorOfAnotherDimensionOrWithNaNIsRefused() {
        assertThat(IndexCheck.problem(doc("dims", Map.of(), new float[] {1, 0, 0}), DIMS)).contains("3-dimensional").contains("4 dimensions");
        assertThat(IndexCheck.problem(doc("nan", Map.of(), new float[] {Float.NaN, 0, 0, 1}), DIMS)).containsIgnoringCase("finite");
    }

    @Test
    void aListOfKeywordsIsCheckedValueByValue() {
        EmbeddedDocument doc = doc("list", Map.of("tags", List.of("short", "y".repeat(IndexWriter.MAX_TERM_LENGTH + 1))), unitVector());
        assertThat(IndexCheck.problem(doc, DIMS)).contains("field.tags");
    }
}
