package io.semdex.core;

import java.io.Serializable;
import java.util.Objects;

/**
 * A unit with its vector, L2-normalized, ready for the index.
 *
 * @param vectorKey what the vector depends on (the model's fingerprint and the text it read, see
 *     {@link StoredVectors}), stored with the unit so the embed stage can reuse the vector when the unit
 *     comes again unchanged; null where the vector is not to be reused
 */
public record EmbeddedUnit(Unit unit, float[] vector, String vectorKey) implements Serializable {

    /** A unit whose vector is not offered for reuse. */
    public EmbeddedUnit(Unit unit, float[] vector) {
        this(unit, vector, null);
    }

    public EmbeddedUnit {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(vector, "vector");
        if (vector.length == 0) {
            throw new IllegalArgumentException("vector of unit '" + unit.unitId() + "' is empty");
        }
    }
}
