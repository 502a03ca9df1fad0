package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the real bundled bge-small-zh-v1.5 model through DJL + ONNX Runtime. */
class DjlEmbedderTest {

    private static DjlEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = DjlEmbedder.open(ModelPresets.get(ModelPresets.DEFAULT), 4);
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void vectorsHaveThePresetDimensionsAndUnitLength() {
        List<float[]> vectors = embedder.embedDocuments(List.of("法国的首都是巴黎。", "The capital of Japan is Tokyo."));
        assertThat(vectors).hasSize(2);
        for (float[] v : vectors) {
            assertThat(v).hasSize(512);
            assertThat(Vectors.dot(v, v)).isCloseTo(1.0, within(1e-5));
        }
        assertThat(embedder.info().dimensions()).isEqualTo(512);
        assertThat(embedder.info().engine()).isEqualTo("OnnxRuntime");
    }

    @Test
    void aTextGetsTheSameVectorWhateverBatchItIsIn() {
        String text = "订单付款成功后，仓库一般会在24小时内安排发货。";
        float[] alone = embedder.embedDocuments(List.of(text)).get(0);
        List<float[]> mixed = embedder.embedDocuments(List.of(
                "短句。", text, "A much longer English sentence that pads the batch to many more tokens than the others do.",
                "香蕉含钾量高。", "x", "另一个句子"));
        assertThat(Vectors.dot(alone, mixed.get(1))).isGreaterThan(0.9999);
    }

    @Test
    void aQueryIsClosestToTheLineThatAnswersIt() {
        List<String> lines = List.of(
                "苹果富含果胶和膳食纤维，是一种常见又好吃的水果。",
                "橙子和猕猴桃都含有大量维生素C。",
                "法国的首都是巴黎。",
                "Wireless noise-cancelling headphones with 30-hour battery life.");
        List<float[]> docs = embedder.embedDocuments(lines);
        float[] query = embedder.embedQueries(List.of("哪种水果维生素C多")).get(0);
        int best = 0;
        for (int i = 1; i < docs.size(); i++) {
            if (Vectors.dot(query, docs.get(i)) > Vectors.dot(query, docs.get(best))) {
                best = i;
            }
        }
        assertThat(lines.get(best)).contains("维生素C");
    }

    @Test
    void emptyInputGivesNoVectors() {
        assertThat(embedder.embedDocuments(List.of())).isEmpty();
    }
}
