package io.semdex.embed;

import java.util.List;

/**
 * Turns texts into L2-normalized vectors with one model. Documents and queries are embedded
 * differently where the model wants it (an instruction before queries, a prefix before passages).
 *
 * <pre>{@code
 * try (Embedder embedder = EmbedderSpec.parse("bge-small-zh-v1.5").open(Slot.SINGLE)) {
 *     float[] query = embedder.embedQueries(List.of("哪种水果维生素C多")).get(0);
 *     List<float[]> passages = embedder.embedDocuments(List.of("橙子和猕猴桃都含有大量维生素C。"));
 * }
 * }</pre>
 *
 * <p>Implementations are safe for use from several threads.
 */
public interface Embedder extends AutoCloseable {

    /** One normalized vector per passage, in input order, with the model's document prefix. */
    List<float[]> embedDocuments(List<String> texts);

    /** One normalized vector per query, in input order, with the model's query instruction. */
    List<float[]> embedQueries(List<String> queries);

    /**
     * One normalized vector per text, the text taken exactly as given: no instruction, no prefix.
     * Tokens the model always needs (e.g. {@code [CLS]}, Qwen3's {@code <|endoftext|>}) are still added.
     */
    List<float[]> embedTexts(List<String> texts);

    /**
     * One normalized vector per token-id sequence, used as given.
     *
     * @throws UnsupportedOperationException when the backend only accepts text
     */
    default List<float[]> embedTokens(List<long[]> tokenIds) {
        throw new UnsupportedOperationException(info().engine() + " embeds text only, not token ids");
    }

    /** What this embedder is: model, dimensions, engine, device. */
    EmbedderInfo info();

    /** The preset it runs: query instruction, document prefix, limits. */
    ModelPreset preset();

    /** Counts tokens as the model sees {@code text} (special tokens included, before truncation). */
    int countTokens(String text);

    /**
     * Whether the model runs in this process, where {@link #batching()} is how its calls are padded
     * and packed; false for a model served elsewhere (a remote server batches concurrent requests itself).
     */
    default boolean inProcess() {
        return false;
    }

    /** Whether the model's last layer computes only the pooled position ({@link LastLayerPruning}). */
    default boolean lastLayerPruned() {
        return false;
    }

    /**
     * How this model packs the texts of one call into batches; a caller that cuts its own calls to
     * this size gets one batch per call. By default, one batch of up to 256 texts.
     */
    default Batching batching() {
        return new Batching(256, Integer.MAX_VALUE);
    }

    /**
     * This model for calls someone is waiting for (a query, a document written through the API): an in-process
     * model keeps capacity for them beside its {@link #workers()}, so they do not queue behind long bulk calls.
     * The same model by default. Closing the view closes nothing; it is usable while this model is open.
     */
    default Embedder interactive() {
        return this;
    }

    /** How many calls this model runs at once (workers, predictors, concurrent requests); 1 by default. */
    default int workers() {
        return 1;
    }

    @Override
    void close();
}
