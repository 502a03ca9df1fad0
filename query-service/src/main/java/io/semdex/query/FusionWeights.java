package io.semdex.query;

import io.semdex.core.IndexFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.util.VectorUtil;

/**
 * The vector weight of {@code hybrid} fusion when a request gives none: weighed per query from how
 * much each side can tell apart on this corpus, with no judged queries and nothing to configure.
 *
 * <p>The vector side: a model that does not read the corpus's language well (a Chinese model on an
 * English catalog) puts every text close to every other, so even its best match is hardly closer than
 * two units taken at random. How far the query's best cosine rises above that <em>background</em>
 * cosine of the index, as a share of the room above it ({@code lift = (best - background) / (1 -
 * background)}), is the vector side's evidence: a lift of {@value #FULL_LIFT} or more earns the full
 * weight {@value #MAX_VECTOR_WEIGHT} (the fixed weight that suits a model strong on the corpus), no
 * lift earns none, and the weight rises linearly between.
 *
 * <p>The keyword side: a query term the corpus never contains cannot match (a Chinese query against
 * an English corpus). The vector side gets at least the share of such terms, up to an equal share
 * ({@value #MAX_UNMATCHED_SHARE}).
 *
 * <p>The background cosine depends on the index alone, so it is sampled once per snapshot ({@link
 * Background}): a generation built at once and one that grows from a stream both get it from what is
 * live, with no build step and nothing in the manifest.
 */
public final class FusionWeights {

    /** Vector weight of a query whose best match stands well above the background. */
    public static final double MAX_VECTOR_WEIGHT = 0.8;
    /**
     * Lift at which the vector side earns {@link #MAX_VECTOR_WEIGHT}: the value {@code semdex eval
     * --calibrate} chooses on questions and headings cut from real document exports, apart from
     * every evaluation set (README, "Choosing the lift").
     */
    public static final double FULL_LIFT = 0.25;
    /** The most the share of unmatched query terms raises the vector weight to. */
    static final double MAX_UNMATCHED_SHARE = 0.5;
    /** Random unit pairs whose cosines average to the background. */
    static final int BACKGROUND_PAIRS = 1024;

    /** The weights every search without {@code alpha} gets. */
    public static final FusionWeights DEFAULT = new FusionWeights(FULL_LIFT);

    private final double fullLift;

    private FusionWeights(double fullLift) {
        if (!(fullLift > 0 && fullLift <= 1)) {
            throw new IllegalArgumentException("the full lift must be in (0, 1], got " + fullLift);
        }
        this.fullLift = fullLift;
    }

    /** Weights with another lift for the full vector weight: what {@code semdex eval --calibrate} compares. */
    public static FusionWeights withFullLift(double fullLift) {
        return new FusionWeights(fullLift);
    }

    public double fullLift() {
        return fullLift;
    }

    /**
     * @param bestCosine the highest cosine of the vector side's list (NaN when it is empty)
     * @param background the index's background cosine ({@link Background#of})
     * @param termCoverage share of the query's terms that occur in the index, 0..1
     * @return the vector weight, 0..1; the keyword side's is {@code 1 - weight}
     */
    double vectorWeight(double bestCosine, double background, double termCoverage) {
        double weight = 0;
        if (bestCosine > background && background < 1) {
            double lift = (bestCosine - background) / (1 - background);
            weight = MAX_VECTOR_WEIGHT * Math.min(1, lift / fullLift);
        }
        double unmatched = 1 - Math.max(0, Math.min(1, termCoverage));
        return Math.max(weight, Math.min(MAX_UNMATCHED_SHARE, unmatched));
    }

    /**
     * The background cosine of one index snapshot: the mean cosine of {@value #BACKGROUND_PAIRS}
     * unit pairs drawn with a fixed seed, so the same index always gives the same value. Remembers the
     * last snapshot's value, so a search pays for the sample only after the index changed.
     */
    static final class Background {

        private record Sample(List<Object> segments, double cosine) {}

        private volatile Sample last;

        double of(IndexReader reader) throws IOException {
            // Keyed by its segments, not the reader: a snapshot over several shards is a new MultiReader each time.
            List<Object> segments = new ArrayList<>(reader.leaves().size());
            for (LeafReaderContext leaf : reader.leaves()) {
                IndexReader.CacheHelper helper = leaf.reader().getReaderCacheHelper();
                segments.add(helper != null ? helper.getKey() : leaf.reader());
            }
            Sample sample = last;
            if (sample == null || !sample.segments().equals(segments)) {
                sample = new Sample(segments, sample(reader));
                last = sample;
            }
            return sample.cosine();
        }

        /** Mean cosine of random pairs of stored (normalized) vectors; 0 with fewer than two. */
        static double sample(IndexReader reader) throws IOException {
            List<LeafReaderContext> leaves = reader.leaves();
            FloatVectorValues[] values = new FloatVectorValues[leaves.size()];
            long[] ends = new long[leaves.size()];
            long total = 0;
            for (int i = 0; i < leaves.size(); i++) {
                values[i] = leaves.get(i).reader().getFloatVectorValues(IndexFields.VECTOR);
                total += values[i] == null ? 0 : values[i].size();
                ends[i] = total;
            }
            if (total < 2) {
                return 0;
            }
            SplittableRandom random = new SplittableRandom(42);
            double sum = 0;
            for (int p = 0; p < BACKGROUND_PAIRS; p++) {
                float[] a = vector(values, ends, random.nextLong(total)).clone(); // the next read may reuse the buffer
                float[] b = vector(values, ends, random.nextLong(total));
                sum += VectorUtil.dotProduct(a, b);
            }
            return sum / BACKGROUND_PAIRS;
        }

        private static float[] vector(FloatVectorValues[] values, long[] ends, long ordinal) throws IOException {
            int leaf = 0;
            while (ends[leaf] <= ordinal) {
                leaf++;
            }
            long start = leaf == 0 ? 0 : ends[leaf - 1];
            return values[leaf].vectorValue((int) (ordinal - start));
        }
    }
}
