package io.semdex.core;

import java.io.Serializable;
import java.util.Objects;

/**
 * A unit with its vector, L2-normalized, ready for the index.
 */
public record EmbeddedUnit(Unit unit, float[] vector) implements Serializable {

    public EmbeddedUnit {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(vector, "vector");
        if (vector.length == 0) {
            throw new IllegalArgumentException("vector of unit '" + unit.unitId() + "' is empty");
        }
    }
}
