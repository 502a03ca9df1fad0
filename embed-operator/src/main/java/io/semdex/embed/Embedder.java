package io.semdex.embed;

import java.util.List;

/**
 * Turns texts into L2-normalized vectors with one model. Documents and queries are embedded
 * differently where the model wants it (an instruction before queries, a prefix before passages).
 *
 * <pre>{@code
 * try (Embedder embedder = DjlEmbedder.open(ModelPresets.get("bge-small-zh-v1.5"))) {
 *     float[] query = embedder.embedQueries(List.of("哪种水果维生素C多")).get(0);
 * }
 * }</pre>
 *
 * <p>Implementations are safe for use from several threads.
 */
public interface Embedder extends AutoCloseable {

    /** One normalized vector per text, in input order. */
    List<float[]> embedDocuments(List<String> texts);

    /** One normalized vector per query, in input order, with the model's query instruction. */
    List<float[]> embedQueries(List<String> queries);

    /** What this embedder is: model, dimensions, engine, device. */
    EmbedderInfo info();

    /** Counts tokens as the model sees them (after any prefix, before truncation). */
    int countTokens(String text);

    @Override
    void close();
}
