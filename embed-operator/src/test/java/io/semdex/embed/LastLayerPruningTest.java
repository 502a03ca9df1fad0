package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last-layer rewrite on the real bundled models: same vectors where it applies, the model left whole where it does not. */
class LastLayerPruningTest {

    @TempDir
    Path temp;

    @Test
    void theDefaultModelIsPrunedAndEmbedsEveryTextAsTheWholeModelDoes() {
        ModelPreset preset = EmbedderSpec.defaultModel().preset();
        List<String> texts = SampleTexts.mixed(120);
        // Small token budgets: rows of different lengths pad each other, so padding is exercised too.
        DjlEmbedder.Options options = DjlEmbedder.Options.CPU.withBatching(new Batching(16, 600));
        List<float[]> pruned;
        List<float[]> whole;
        try (DjlEmbedder embedder = DjlEmbedder.open(preset, options)) {
            assertThat(embedder.lastLayerPruned()).isTrue();
            pruned = embedder.embedDocuments(texts);
        }
        try (DjlEmbedder embedder = DjlEmbedder.open(preset, options.withPruneLastLayer(false))) {
            assertThat(embedder.lastLayerPruned()).isFalse();
            whole = embedder.embedDocuments(texts);
        }
        double lowest = 1;
        float largestDifference = 0;
        for (int i = 0; i < texts.size(); i++) {
            lowest = Math.min(lowest, Vectors.dot(pruned.get(i), whole.get(i)));
            for (int d = 0; d < pruned.get(i).length; d++) {
                largestDifference = Math.max(largestDifference, Math.abs(pruned.get(i)[d] - whole.get(i)[d]));
            }
        }
        System.out.printf("pruned vs whole bge-small-zh-v1.5 over %d texts: lowest cosine %.8f, largest difference %.2e%n",
                texts.size(), lowest, largestDifference);
        assertThat(lowest).isGreaterThan(0.999999);
        assertThat(largestDifference).isLessThan(1e-6f);
    }

    @Test
    void theRewrittenGraphFeedsOnlyThePooledRowToTheLastQueryAndResidual() throws IOException {
        Path target = temp.resolve("pruned.onnx");
        LastLayerPruning.Outcome outcome = LastLayerPruning.rewrite(modelPath(ModelPresets.DEFAULT), Pooling.CLS, PaddingSide.RIGHT, target);
        assertThat(outcome.pruned()).as(outcome.description()).isTrue();

        OnnxGraph original = read(modelPath(ModelPresets.DEFAULT));
        OnnxGraph rewritten = read(target);
        assertThat(rewritten.nodes()).hasSize(original.nodes().size() + 2);
        List<OnnxGraph.Node> gathers = rewritten.nodes().stream().filter(n -> n.opType().equals("Gather")
                && n.outputs().get(0).endsWith("/pooled_row")).toList();
        assertThat(gathers).hasSize(1);
        String row = gathers.get(0).outputs().get(0);
        String layerInput = gathers.get(0).inputs().get(0);
        List<String> rowUsers = rewritten.nodes().stream().filter(n -> n.inputs().contains(row)).map(OnnxGraph.Node::opType).toList();
        List<String> layerInputUsers = rewritten.nodes().stream().filter(n -> n.inputs().contains(layerInput))
                .map(OnnxGraph.Node::opType).toList();
        assertThat(rowUsers).containsExactlyInAnyOrder("MatMul", "Add");
        assertThat(layerInputUsers).containsExactlyInAnyOrder("MatMul", "MatMul", "Gather");
        assertThat(rewritten.initializers()).isEqualTo(original.initializers());
        assertThat(rewritten.outputs()).isEqualTo(original.outputs());
    }

    @Test
    void readingAndWritingAModelUnchangedGivesTheSameBytes() throws IOException {
        Path model = modelPath(ModelPresets.DEFAULT);
        OnnxGraph graph = read(model);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        graph.write(graph.nodes(), Set.of(), out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(model));
    }

    @Test
    void meanPoolingAndPerRowPositionsAreLeftWhole() throws IOException {
        Path target = temp.resolve("never.onnx");
        LastLayerPruning.Outcome mean = LastLayerPruning.rewrite(modelPath("all-minilm-l6-v2"), Pooling.MEAN, PaddingSide.RIGHT, target);
        assertThat(mean.pruned()).isFalse();
        assertThat(mean.description()).contains("mean pooling");
        LastLayerPruning.Outcome leftCls = LastLayerPruning.rewrite(modelPath(ModelPresets.DEFAULT), Pooling.CLS, PaddingSide.LEFT, target);
        assertThat(leftCls.pruned()).isFalse();
        assertThat(leftCls.description()).contains("different position in each row");
        assertThat(target).doesNotExist();
        try (DjlEmbedder embedder = DjlEmbedder.open(EmbedderSpec.parse("all-minilm-l6-v2").preset())) {
            assertThat(embedder.lastLayerPruned()).isFalse();
        }
    }

    @Test
    void aQuantizedModelWhoseProjectionsShareOneQuantizerIsLeftWhole() throws IOException {
        LastLayerPruning.Plan plan = LastLayerPruning.plan(read(modelPath("bge-small-en-v1.5-q")), 0);
        assertThat(plan.nodes()).isNull();
        assertThat(plan.description()).contains("no post-norm encoder layer");
    }

    @Test
    void aModelWithoutTheEncoderLayoutIsLeftWhole() throws IOException, URISyntaxException {
        Path qwen3Shaped = Path.of(getClass().getResource("/qwen3-tiny/model.onnx").toURI());
        LastLayerPruning.Outcome outcome = LastLayerPruning.rewrite(qwen3Shaped, Pooling.LAST_TOKEN, PaddingSide.LEFT, temp.resolve("q.onnx"));
        assertThat(outcome.pruned()).isFalse();
        assertThat(outcome.description()).contains("no post-norm encoder layer");
    }

    @Test
    void poolingInsideTheGraphIsRefusedBecauseItNeedsEveryPosition() throws IOException {
        // Multiply the last hidden state by a tensor computed from the attention mask, as a graph that
        // mean-pools inside would: a pruned last layer would give that product the wrong positions.
        OnnxGraph graph = read(modelPath(ModelPresets.DEFAULT));
        String output = graph.outputs().get(0);
        String mask = graph.nodes().stream().filter(n -> n.inputs().contains("attention_mask")).findFirst().orElseThrow().outputs().get(0);
        List<OnnxGraph.Node> nodes = new ArrayList<>();
        for (OnnxGraph.Node node : graph.nodes()) {
            if (node.outputs().contains(output)) {
                nodes.add(new OnnxGraph.Node(node.inputs(), List.of("states"), node.opType(), node.domain(), node.otherFields()));
                nodes.add(OnnxGraph.Node.create("masked", "Mul", List.of("states", mask), List.of(output)));
            } else {
                nodes.add(node);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        graph.write(nodes, Set.of(), out);

        LastLayerPruning.Plan plan = LastLayerPruning.plan(OnnxGraph.read(ByteBuffer.wrap(out.toByteArray())), 0);
        assertThat(plan.nodes()).isNull();
        assertThat(plan.description()).contains("meets '" + mask + "' at a Mul node");
        assertThat(LastLayerPruning.plan(graph, 0).nodes()).as("the unmodified graph").isNotNull();
    }

    @Test
    void aFileThatIsNotAModelIsLeftAloneWithTheReason() throws IOException {
        Path junk = temp.resolve("junk.onnx");
        Files.write(junk, new byte[] {(byte) 0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2, 3});
        LastLayerPruning.Outcome outcome = LastLayerPruning.rewrite(junk, Pooling.CLS, PaddingSide.RIGHT, temp.resolve("out.onnx"));
        assertThat(outcome.pruned()).isFalse();
        assertThat(outcome.description()).contains("not a well-formed ONNX model");
        assertThatThrownBy(() -> OnnxGraph.read(ByteBuffer.wrap("not a model at all".getBytes())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Path modelPath(String presetId) {
        return EmbedderSpec.parse(presetId).preset().files().modelPath();
    }

    private static OnnxGraph read(Path model) throws IOException {
        return OnnxGraph.read(ByteBuffer.wrap(Files.readAllBytes(model)));
    }
}
