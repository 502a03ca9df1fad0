package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15.BgeSmallZhV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our embedder gives LangChain4j's vectors for the fp32 presets that come from its jars: same
 * files, so any difference would be ours (tokenization, padding, pooling, normalization). Batches
 * here mix lengths, so padding is exercised; LangChain4j embeds one text at a time.
 */
class LangChain4jParityTest {

    private static final List<String> TEXTS = SampleTexts.mixed(120);

    @BeforeAll
    static void initialiseDjlsOnnxRuntimeFirst() {
        // LangChain4j creating the ONNX Runtime environment first makes DJL's OrtEngine fail.
        DjlEmbedder.open(EmbedderSpec.defaultModel().preset()).close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"bge-small-zh-v1.5", "all-minilm-l6-v2", "e5-small-v2"})
    void vectorsEqualLangChain4jsOnTheSameTexts(String presetId) {
        Supplier<EmbeddingModel> reference = switch (presetId) {
            case "bge-small-zh-v1.5" -> BgeSmallZhV15EmbeddingModel::new;
            case "all-minilm-l6-v2" -> AllMiniLmL6V2EmbeddingModel::new;
            case "e5-small-v2" -> E5SmallV2EmbeddingModel::new;
            default -> throw new IllegalArgumentException(presetId);
        };
        List<float[]> ours;
        try (DjlEmbedder embedder = DjlEmbedder.open(EmbedderSpec.parse(presetId).preset())) {
            ours = embedder.embedTexts(TEXTS);
        }
        List<float[]> theirs = reference.get().embedAll(TEXTS.stream().map(TextSegment::from).toList()).content().stream()
                .map(e -> Vectors.truncateAndNormalize(e.vector(), e.vector().length)).toList();
        double lowest = 1;
        for (int i = 0; i < TEXTS.size(); i++) {
            double cosine = Vectors.dot(ours.get(i), theirs.get(i));
            lowest = Math.min(lowest, cosine);
            assertThat(cosine).as("%s, text %d: %s", presetId, i, TEXTS.get(i)).isGreaterThan(0.9999);
        }
        System.out.printf("%s: lowest cosine to LangChain4j over %d texts = %.7f%n", presetId, TEXTS.size(), lowest);
    }
}
