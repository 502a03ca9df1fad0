package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.SplitDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * The embedding operator in a real Flink MiniCluster with the real default model: two subtasks,
 * checkpoints running, documents and edited re-sends of some of them. A version that a newer one
 * superseded while it waited for the model may be dropped; the newest always comes out, last.
 */
class EmbedOperatorIT {

    @Test
    void everyDocumentsNewestVersionComesOutLastWholeWithTheModelsVectors() throws Exception {
        List<String> texts = SampleTexts.mixed(120);
        List<SplitDocument> input = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            input.add(EmbedOperatorTest.doc("doc-" + d, texts.get(3 * d), texts.get(3 * d + 1), texts.get(3 * d + 2)));
        }
        for (int d = 0; d < 10; d++) { // re-sent with the middle paragraph edited
            input.add(EmbedOperatorTest.doc("doc-" + d, texts.get(3 * d), texts.get(3 * d + 1) + " (edited)", texts.get(3 * d + 2)));
        }

        Configuration config = new Configuration();
        config.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        env.enableCheckpointing(200);
        DataStream<SplitDocument> documents = env.fromData(input).setParallelism(1);
        List<EmbeddedDocument> output = new ArrayList<>();
        try (CloseableIterator<EmbeddedDocument> results = EmbedOperator
                .embed(documents.keyBy(SplitDocument::docId), EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu"))
                .executeAndCollect("embed operator IT")) {
            results.forEachRemaining(output::add);
        }

        assertThat(output).hasSizeBetween(40, input.size());
        Map<String, List<EmbeddedDocument>> byId = new HashMap<>();
        output.forEach(d -> byId.computeIfAbsent(d.docId(), k -> new ArrayList<>()).add(d));
        assertThat(byId).hasSize(40);
        Map<String, SplitDocument> newest = new HashMap<>();
        input.forEach(d -> newest.put(d.docId(), d));
        try (DjlEmbedder direct = DjlEmbedder.open(EmbedderSpec.parse("bge-small-zh-v1.5").preset())) {
            for (SplitDocument in : input) {
                List<EmbeddedDocument> versions = byId.get(in.docId());
                // Versions of one document never overtake each other: the newest comes out, and last.
                EmbeddedDocument out;
                if (newest.get(in.docId()) == in) {
                    out = versions.get(versions.size() - 1);
                } else if (versions.size() == 2) {
                    out = versions.get(0);
                } else {
                    continue; // superseded while it waited: never emitted
                }
                assertThat(out.units()).extracting(u -> u.unit().text()).isEqualTo(in.units().stream().map(u -> u.text()).toList());
                List<float[]> expected = direct.embedDocuments(in.units().stream().map(u -> u.embeddingInput()).toList());
                for (int i = 0; i < expected.size(); i++) {
                    assertThat(Vectors.dot(out.units().get(i).vector(), expected.get(i))).isGreaterThan(0.99999);
                }
            }
        }
    }
}
