package io.semdex.embed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How inputs are grouped into model calls: sorted by token length so each batch pads little, then
 * packed while a batch stays within {@code maxBatchSize} rows and its padded size
 * ({@code rows × longest row}) within {@code tokenBudget}. A single input longer than the budget
 * goes alone.
 *
 * <pre>{@code
 * List<int[]> batches = new Batching(32, 400).plan(new int[] {12, 300, 15, 40});
 * // [[1], [3, 2, 0]]: two rows of 300 would pad to 600 > 400 tokens, so the long input goes alone
 * }</pre>
 *
 * @param maxBatchSize most inputs per model call
 * @param tokenBudget most padded tokens per model call; bounds activation memory on a GPU and
 *     keeps CPU batches in cache
 */
public record Batching(int maxBatchSize, int tokenBudget) implements Serializable {

    /**
     * The best on 2 CPU cores with bge-small-zh-v1.5 (see the README's bench tables): small padded batches keep
     * two workers busy and in cache, and a short call is all a document of the interactive lane can find ahead
     * of it when the stage reads it.
     */
    public static final Batching CPU_DEFAULT = new Batching(256, 1024);
    /** Large enough to keep a GPU busy with sub-billion models, small enough for an 8B model's activations. */
    public static final Batching GPU_DEFAULT = new Batching(256, 32768);

    public Batching {
        if (maxBatchSize < 1 || maxBatchSize > 65536) {
            throw new IllegalArgumentException("batch size must be in 1..65536, got " + maxBatchSize);
        }
        if (tokenBudget < 1) {
            throw new IllegalArgumentException("batch token budget must be >= 1, got " + tokenBudget);
        }
    }

    /**
     * Groups input indices into batches. Every index appears exactly once; inside a batch, inputs
     * are in descending length.
     *
     * @param lengths token length of each input
     */
    public List<int[]> plan(int[] lengths) {
        Integer[] order = new Integer[lengths.length];
        Arrays.setAll(order, i -> i);
        // Longest first: the batch's first row fixes its padded length.
        Arrays.sort(order, (a, b) -> lengths[b] != lengths[a] ? Integer.compare(lengths[b], lengths[a]) : Integer.compare(a, b));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int longest = Math.max(1, lengths[order[start]]);
            int end = start + 1;
            while (end < order.length && end - start < maxBatchSize && (long) (end - start + 1) * longest <= tokenBudget) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) {
                batch[i - start] = order[i];
            }
            batches.add(batch);
            start = end;
        }
        return batches;
    }
}
