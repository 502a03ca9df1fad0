package io.semdex.embed;

/** Small vector arithmetic on {@code float[]}, kept in one place. */
public final class Vectors {

    private Vectors() {}

    /**
     * Keeps the first {@code dims} values (Matryoshka truncation) and scales to unit length.
     * A zero vector stays zero.
     */
    public static float[] truncateAndNormalize(float[] v, int dims) {
        if (dims < 1 || dims > v.length) {
            throw new IllegalArgumentException("dims must be in 1.." + v.length + ", got " + dims);
        }
        float[] out = dims == v.length ? v.clone() : java.util.Arrays.copyOf(v, dims);
        double sum = 0;
        for (float x : out) {
            sum += (double) x * x;
        }
        if (sum > 0) {
            float inv = (float) (1.0 / Math.sqrt(sum));
            for (int i = 0; i < out.length; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }

    /** Cosine of two normalized vectors: their dot product. */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dimensions differ: " + a.length + " vs " + b.length);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
