package io.semdex.app.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * LangChain4j's own in-process embedding class for a bundled model: what {@code semdex bench embed}
 * compares semdex with. Kept apart from the command so that no other command's class path needs
 * LangChain4j (an installation keeps it in {@code lib/bench}, on {@code semdex bench}'s class path only).
 */
final class LangChain4jReference {

    private final EmbeddingModel model;

    private LangChain4jReference(EmbeddingModel model) {
        this.model = model;
    }

    /** Loads LangChain4j's class for the preset; empty where LangChain4j ships none. */
    static Optional<LangChain4jReference> load(String presetId) {
        Supplier<EmbeddingModel> constructor = switch (presetId) {
            case "bge-small-zh-v1.5" -> dev.langchain4j.model.embedding.onnx.bgesmallzhv15.BgeSmallZhV15EmbeddingModel::new;
            case "all-minilm-l6-v2" -> dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel::new;
            case "e5-small-v2" -> dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel::new;
            case "bge-small-en-v1.5-q" -> dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel::new;
            default -> null;
        };
        return Optional.ofNullable(constructor).map(c -> new LangChain4jReference(c.get()));
    }

    /** "LangChain4j" and the class's name. */
    String name() {
        return "LangChain4j " + model.getClass().getSimpleName();
    }

    /** Embeds the texts as they are (prefixes already applied), one call for all of them. */
    void embedAll(List<String> texts) {
        model.embedAll(texts.stream().map(TextSegment::from).toList());
    }
}
