package io.semdex.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.Set;

/**
 * Tensor work for one batch of token ids: pads the rows on the preset's side into the model's named
 * inputs, then pools each row of {@code last_hidden_state} with the preset's {@link Pooling},
 * truncates (Matryoshka) and normalizes it. The engine that runs the model in between is swappable.
 *
 * <p>On ONNX Runtime the hidden states are pooled in Java (it runs on the CPU anyway, and DJL's ONNX
 * arrays lack the slicing operators); on PyTorch the pooled rows are cut out on the model's device,
 * so a GPU never copies a whole {@code [batch, tokens, hidden]} tensor back to the host.
 */
final class EmbeddingTranslator implements Translator<EmbeddingTranslator.TokenBatch, float[][]> {

    /** Rows of token ids, unpadded. */
    record TokenBatch(long[][] rows) {}

    private static final String MASKS = "attention_masks";

    private final Pooling pooling;
    private final PaddingSide paddingSide;
    private final long padId;
    private final int dimensions;
    private final boolean wantsTokenTypes;
    private final boolean wantsPositionIds;
    private final boolean poolOnDevice;
    private final boolean pooledRowOnly;

    /**
     * @param poolOnDevice pool with the engine's operators where the hidden states are (PyTorch)
     * @param pooledRowOnly the model returns only the pooled position of each row ({@link LastLayerPruning})
     */
    EmbeddingTranslator(ModelPreset preset, long padId, Set<String> inputNames, boolean poolOnDevice, boolean pooledRowOnly) {
        this.pooling = preset.pooling();
        this.paddingSide = preset.paddingSide();
        this.padId = padId;
        this.dimensions = preset.dimensions();
        this.wantsTokenTypes = inputNames.contains("token_type_ids");
        this.wantsPositionIds = inputNames.contains("position_ids");
        this.poolOnDevice = poolOnDevice;
        this.pooledRowOnly = pooledRowOnly;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, TokenBatch batch) {
        long[][] rows = batch.rows();
        int size = rows.length;
        int seqLen = 0;
        for (long[] row : rows) {
            seqLen = Math.max(seqLen, row.length);
        }
        long[] ids = new long[size * seqLen];
        long[] mask = new long[size * seqLen];
        long[][] masks = new long[size][];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < size; i++) {
            long[] row = rows[i];
            int offset = paddingSide == PaddingSide.LEFT ? seqLen - row.length : 0;
            System.arraycopy(row, 0, ids, i * seqLen + offset, row.length);
            java.util.Arrays.fill(mask, i * seqLen + offset, i * seqLen + offset + row.length, 1L);
            masks[i] = java.util.Arrays.copyOfRange(mask, i * seqLen, (i + 1) * seqLen);
        }
        ctx.setAttachment(MASKS, masks);
        NDManager manager = ctx.getNDManager();
        Shape shape = new Shape(size, seqLen);
        NDList inputs = new NDList(named(manager.create(ids, shape), "input_ids"), named(manager.create(mask, shape), "attention_mask"));
        if (wantsTokenTypes) {
            // One segment per input: BERT's token types are all zero.
            inputs.add(named(manager.create(new long[size * seqLen], shape), "token_type_ids"));
        }
        if (wantsPositionIds) {
            // Decoder exports (e.g. Optimum's Qwen3) take positions: count from each row's first real
            // token, so a row gets the same positions under left and right padding.
            long[] positions = new long[size * seqLen];
            for (int i = 0; i < size; i++) {
                int offset = paddingSide == PaddingSide.LEFT ? seqLen - rows[i].length : 0;
                for (int t = 0; t < seqLen; t++) {
                    positions[i * seqLen + t] = Math.max(0, t - offset);
                }
            }
            inputs.add(named(manager.create(positions, shape), "position_ids"));
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
        if (dim < dimensions) {
            throw new IllegalStateException("the model returns " + dim + " dimensions, fewer than the " + dimensions + " configured");
        }
        long[][] masks = (long[][]) ctx.getAttachment(MASKS);
        float[][] vectors = new float[batch][];
        if (pooledRowOnly) {
            if (seqLen != 1) {
                throw new IllegalStateException("the pruned model should return one position per row, got " + shape);
            }
            float[] states = hidden.toFloatArray();
            float[] row = new float[dim];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(states, i * dim, row, 0, dim);
                vectors[i] = Vectors.truncateAndNormalize(row, dimensions);
            }
            return vectors;
        }
        if (poolOnDevice) {
            float[] pooled = poolOnDevice(hidden, masks, seqLen).toFloatArray();
            for (int i = 0; i < batch; i++) {
                vectors[i] = Vectors.truncateAndNormalize(java.util.Arrays.copyOfRange(pooled, i * dim, (i + 1) * dim), dimensions);
            }
            return vectors;
        }
        float[] states = hidden.toFloatArray();
        float[] pooled = new float[dim];
        for (int i = 0; i < batch; i++) {
            pooling.pool(states, i * seqLen * dim, seqLen, dim, masks[i], pooled);
            vectors[i] = Vectors.truncateAndNormalize(pooled, dimensions);
        }
        return vectors;
    }

    /** {@code [batch, dim]}: each row's pooled state, computed where the hidden states are. */
    private NDArray poolOnDevice(NDArray hidden, long[][] masks, int seqLen) {
        NDList rows = new NDList(masks.length);
        for (int i = 0; i < masks.length; i++) {
            // Padding is on one side only, so a row's real tokens are one contiguous range.
            int first = Pooling.firstReal(masks[i], seqLen);
            int last = Pooling.lastReal(masks[i], seqLen);
            rows.add(switch (pooling) {
                case CLS -> hidden.get(new NDIndex("{}, {}, :", i, first));
                case LAST_TOKEN -> hidden.get(new NDIndex("{}, {}, :", i, last));
                case MEAN -> hidden.get(new NDIndex("{}, {}:{}, :", i, first, last + 1)).mean(new int[] {0});
            });
        }
        return ai.djl.ndarray.NDArrays.stack(rows);
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
