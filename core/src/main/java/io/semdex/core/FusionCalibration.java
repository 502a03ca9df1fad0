package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.Serializable;
import java.util.Objects;

/**
 * The constant of the default hybrid's vector weight that a generation fitted on its own documents:
 * the lift of a query's best cosine above the index's background at which the vector side earns its
 * full weight. A search of the generation without a given {@code alpha} weighs its sides with it; a
 * generation without one (built before it was recorded, or streaming) gets the service's constant.
 *
 * @param fullLift the lift that earns the full vector weight, in (0, 1]
 * @param fittedOn what it was fitted on and how it was chosen, in words
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FusionCalibration(double fullLift, String fittedOn) implements Serializable {

    public FusionCalibration {
        if (!(fullLift > 0 && fullLift <= 1)) {
            throw new IllegalArgumentException("the full lift must be in (0, 1], got " + fullLift);
        }
        Objects.requireNonNull(fittedOn, "fittedOn");
    }
}
