package io.semdex.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.Set;

/**
 * Text ↔ tensor work for one batch: tokenizes and pads the texts into the model's named inputs,
 * then pools each row of {@code last_hidden_state} with the preset's {@link Pooling} and
 * normalizes it. The engine that runs the model in between is swappable.
 */
final class EmbeddingTranslator implements Translator<String[], float[][]> {

    private static final String MASKS = "attention_masks";

    private final HuggingFaceTokenizer tokenizer;
    private final Pooling pooling;
    private final int dimensions;
    private final boolean wantsTokenTypes;

    EmbeddingTranslator(HuggingFaceTokenizer tokenizer, Pooling pooling, int dimensions, Set<String> inputNames) {
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.dimensions = dimensions;
        this.wantsTokenTypes = inputNames.contains("token_type_ids");
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String[] texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int batch = encodings.length;
        int seqLen = encodings[0].getIds().length;
        long[] ids = new long[batch * seqLen];
        long[] mask = new long[batch * seqLen];
        long[] types = new long[batch * seqLen];
        long[][] masks = new long[batch][];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(encodings[i].getIds(), 0, ids, i * seqLen, seqLen);
            System.arraycopy(encodings[i].getAttentionMask(), 0, mask, i * seqLen, seqLen);
            System.arraycopy(encodings[i].getTypeIds(), 0, types, i * seqLen, seqLen);
            masks[i] = encodings[i].getAttentionMask();
        }
        ctx.setAttachment(MASKS, masks);
        NDManager manager = ctx.getNDManager();
        Shape shape = new Shape(batch, seqLen);
        NDList inputs = new NDList(named(manager.create(ids, shape), "input_ids"), named(manager.create(mask, shape), "attention_mask"));
        if (wantsTokenTypes) {
            inputs.add(named(manager.create(types, shape), "token_type_ids"));
        }
        return inputs;
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList outputs) {
        NDArray hidden = outputs.get("last_hidden_state");
        if (hidden == null) {
            hidden = outputs.head();
        }
        Shape shape = hidden.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalStateException("expected hidden states [batch, tokens, dim], got " + shape);
        }
        int batch = (int) shape.get(0);
        int seqLen = (int) shape.get(1);
        int dim = (int) shape.get(2);
        float[] states = hidden.toFloatArray();
        long[][] masks = (long[][]) ctx.getAttachment(MASKS);
        float[][] vectors = new float[batch][];
        float[] pooled = new float[dim];
        for (int i = 0; i < batch; i++) {
            pooling.pool(states, i * seqLen * dim, seqLen, dim, masks[i], pooled);
            vectors[i] = Vectors.truncateAndNormalize(pooled, dimensions);
        }
        return vectors;
    }

    @Override
    public Batchifier getBatchifier() {
        return null; // the input is already a batch
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
