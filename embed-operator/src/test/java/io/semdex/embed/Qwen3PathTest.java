package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Qwen3-Embedding path end to end through our code, with the real Qwen3 tokenizer and a
 * weight-free model of Qwen3's shape exported to ONNX and TorchScript (see {@link Qwen3Fixture}).
 */
class Qwen3PathTest {

    private static final List<String> TEXTS = List.of(
            "Flink checkpoints keep Kafka offsets and the index in step.",
            "短句",
            "混合 Chinese and English 的一个句子，长度居中。",
            "x");

    private static ModelPreset onnxPreset;
    private static DjlEmbedder onnx;
    private static DjlEmbedder torch;

    @BeforeAll
    static void load() throws Exception {
        onnxPreset = Qwen3Fixture.preset("model.onnx");
        onnx = DjlEmbedder.open(onnxPreset);
        torch = DjlEmbedder.open(Qwen3Fixture.preset("model.pt"));
    }

    @AfterAll
    static void close() {
        onnx.close();
        torch.close();
    }

    @Test
    void everyInputEndsWithEndOfTextAndPadsWithItToo() throws Exception {
        long[][] ids = onnx.tokenize(List.of("hello world", "你好"));
        for (long[] row : ids) {
            assertThat(row[row.length - 1]).isEqualTo(Qwen3Fixture.END_OF_TEXT);
            assertThat(Arrays.stream(row, 0, row.length - 1)).doesNotContain(Qwen3Fixture.END_OF_TEXT);
        }
        try (ModelTokenizer tokenizer = ModelTokenizer.load(onnxPreset)) {
            assertThat(tokenizer.padId()).isEqualTo(Qwen3Fixture.END_OF_TEXT); // tokenizer_config.json's pad_token, not id 0
            assertThat(tokenizer.count("hello world")).isEqualTo(ids[0].length);
        }
    }

    @Test
    void queriesCarryTheInstructionTemplateAndDocumentsDoNot() {
        String query = "what keeps the index in step?";
        assertThat(onnxPreset.queryText(query)).isEqualTo(
                "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:" + query);
        float[] viaQueries = onnx.embedQueries(List.of(query)).get(0);
        float[] viaTemplate = onnx.embedTexts(List.of(onnxPreset.queryText(query))).get(0);
        float[] asDocument = onnx.embedDocuments(List.of(query)).get(0);
        assertThat(Vectors.dot(viaQueries, viaTemplate)).isGreaterThan(0.999999);
        assertThat(Vectors.dot(viaQueries, asDocument)).isLessThan(0.999);

        ModelPreset custom = EmbedderSpec.parse("qwen3-embedding-0.6b?task=Find the FAQ entry that answers the question").preset();
        assertThat(custom.queryText("q")).isEqualTo("Instruct: Find the FAQ entry that answers the question\nQuery:q");
    }

    @Test
    void lastTokenPoolingTakesEachRowsLastRealTokenUnderLeftAndRightPadding() throws Exception {
        long[][] ids = onnx.tokenize(TEXTS);
        for (PaddingSide side : PaddingSide.values()) {
            for (String file : List.of("model.onnx", "model.pt")) {
                try (DjlEmbedder embedder = DjlEmbedder.open(Qwen3Fixture.preset(file).withPaddingSide(side))) {
                    // One batch, so every row but the longest is padded.
                    List<float[]> vectors = embedder.embedTexts(TEXTS);
                    for (int i = 0; i < TEXTS.size(); i++) {
                        float[] expected = Vectors.truncateAndNormalize(Qwen3Fixture.lastTokenState(ids[i]), 1024);
                        assertThat(Vectors.dot(vectors.get(i), expected))
                                .as("%s padding, %s, row %d", side, file, i).isGreaterThan(0.99999);
                    }
                }
            }
        }
    }

    @Test
    void theFixtureCatchesPoolingAtTheLastPositionInsteadOfTheLastRealToken() throws Exception {
        long[][] ids = onnx.tokenize(TEXTS);
        long[] shortRow = ids[1];
        int longest = Arrays.stream(ids).mapToInt(r -> r.length).max().orElseThrow();
        // What a naive "position T-1" pooling would see under right padding: a padding position.
        float[] naive = Vectors.truncateAndNormalize(paddedPositionState(shortRow, longest), 1024);
        float[] correct = onnx.embedTexts(TEXTS).get(1);
        assertThat(Vectors.dot(naive, correct)).isLessThan(0.99);
    }

    /** The fixture's state at position {@code length - 1} of a right-padded row: real-token mean, later position. */
    private static float[] paddedPositionState(long[] real, int length) {
        float[] state = Qwen3Fixture.lastTokenState(real);
        float[] out = new float[state.length];
        float pos = length - 1;
        float realPos = real.length - 1;
        for (int h = 0; h < out.length; h++) {
            float freq = (float) (h + 1) * 1e-3f;
            double mean = atanh(state[h]) - 0.5 * Math.cos(realPos * freq);
            out[h] = (float) Math.tanh(mean + 0.5 * Math.cos(pos * freq));
        }
        return out;
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }

    @Test
    void onnxAndTorchScriptExportsGiveTheSameVectors() {
        List<float[]> a = onnx.embedTexts(TEXTS);
        List<float[]> b = torch.embedTexts(TEXTS);
        for (int i = 0; i < TEXTS.size(); i++) {
            assertThat(Vectors.dot(a.get(i), b.get(i))).as("row %d", i).isGreaterThan(0.999999);
        }
        assertThat(onnx.info().engine()).isEqualTo("OnnxRuntime");
        assertThat(torch.info().engine()).isEqualTo("PyTorch");
        assertThat(onnx.embedQueries(List.of("q")).get(0)).hasSize(1024);
    }

    @Test
    void anExportThatTakesPositionIdsGetsPositionsCountedFromEachRowsFirstRealToken() throws Exception {
        List<float[]> reference = onnx.embedTexts(TEXTS);
        for (PaddingSide side : PaddingSide.values()) {
            try (DjlEmbedder withPositions = DjlEmbedder.open(Qwen3Fixture.preset("model-with-positions.onnx").withPaddingSide(side))) {
                List<float[]> vectors = withPositions.embedTexts(TEXTS);
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertThat(Vectors.dot(vectors.get(i), reference.get(i))).as("%s padding, row %d", side, i).isGreaterThan(0.999999);
                }
            }
        }
    }

    @Test
    void matryoshkaDimensionsAreAPrefixOfTheFullVectorRenormalized() throws Exception {
        float[] full = onnx.embedTexts(List.of(TEXTS.get(0))).get(0);
        for (int dims : new int[] {32, 256, 1024}) {
            try (DjlEmbedder small = DjlEmbedder.open(onnxPreset.withDimensions(dims))) {
                float[] v = small.embedTexts(List.of(TEXTS.get(0))).get(0);
                assertThat(v).hasSize(dims);
                assertThat(small.info().dimensions()).isEqualTo(dims);
                assertThat(Vectors.dot(v, Vectors.truncateAndNormalize(full, dims))).isGreaterThan(0.999999);
            }
        }
        assertThatThrownBy(() -> onnxPreset.withDimensions(31)).hasMessageContaining("32..1024");
        assertThatThrownBy(() -> onnxPreset.withDimensions(1025)).hasMessageContaining("32..1024");
        assertThatThrownBy(() -> EmbedderSpec.parse("qwen3-embedding-8b?dimensions=4097").preset()).hasMessageContaining("32..4096");
    }

    @Test
    void longInputsAreCutAtMaxTokensWithEndOfTextStillLast() throws Exception {
        try (DjlEmbedder embedder = DjlEmbedder.open(onnxPreset.withMaxTokens(8))) {
            long[] row = embedder.tokenize(List.of("one two three four five six seven eight nine ten eleven twelve"))[0];
            assertThat(row).hasSize(8);
            assertThat(row[7]).isEqualTo(Qwen3Fixture.END_OF_TEXT);
            assertThat(embedder.countTokens("one two three four five six seven eight nine ten eleven twelve")).isGreaterThan(8);
        }
    }
}
