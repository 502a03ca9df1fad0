package io.semdex.core;

/** How close a hit is, by its cosine, in words a user reads next to the score. */
public enum Band {
    STRONG,
    RELATED,
    WEAK;

    /**
     * Cut-offs between the bands. They depend on the model: cosines of one model cluster higher
     * than another's, so each model preset carries its own.
     */
    public record Cutoffs(double strong, double related) implements java.io.Serializable {

        public static final Cutoffs DEFAULT = new Cutoffs(0.6, 0.4);

        public Cutoffs {
            if (!(related <= strong) || related < -1 || strong > 1) {
                throw new IllegalArgumentException(
                        "band cut-offs need -1 <= related <= strong <= 1, got related=" + related + " strong=" + strong);
            }
        }

        public Band of(double cosine) {
            return cosine >= strong ? STRONG : cosine >= related ? RELATED : WEAK;
        }
    }

    /** Lower-case name used in JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
