package io.semdex.embed;

import io.semdex.core.Calibration;
import io.semdex.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model's {@link Calibration} comes from: the file a spec names with {@code calibration=}
 * (what {@code semdex eval --fit-calibration} writes for a user's own model), else the one bundled
 * for its preset ({@code io/semdex/embed/calibration/<preset>.json}, fitted by the same command on
 * questions and headings of real exports), used only when it was fitted for this very model file.
 * The Qwen3 presets bundle none: they are uncalibrated until calibrated on the user's data.
 */
public final class ModelCalibrations {

    private static final String BUNDLED = "/io/semdex/embed/calibration/";

    private ModelCalibrations() {}

    /**
     * The calibration of {@code spec}; empty when its model is uncalibrated (its threshold then stays
     * on the raw cosine).
     *
     * @param fingerprint the spec's {@link EmbedderSpec#fingerprint()}
     * @throws IllegalArgumentException when {@code calibration=} names a file fitted for another model
     */
    public static Optional<Calibration> of(EmbedderSpec spec, String fingerprint) {
        if (spec.calibrationFile() != null) {
            Calibration c = Calibration.read(Path.of(spec.calibrationFile()));
            if (!c.fits(fingerprint)) {
                throw new IllegalArgumentException("calibration " + spec.calibrationFile() + " was fitted for model " + c.model()
                        + " with fingerprint " + c.fingerprint() + ", not for this model (" + spec.preset().id() + ", fingerprint "
                        + fingerprint + "): fit one for it with semdex eval --fit-calibration --model '" + spec.text() + "'");
            }
            return Optional.of(c);
        }
        return bundled(spec.preset().id()).filter(c -> c.fits(fingerprint));
    }

    /** The calibration bundled for a preset, whatever model file it was fitted for; empty when none is. */
    public static Optional<Calibration> bundled(String presetId) {
        try (InputStream in = ModelCalibrations.class.getResourceAsStream(BUNDLED + presetId + ".json")) {
            return in == null ? Optional.empty() : Optional.of(Json.MAPPER.readValue(in, Calibration.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the calibration bundled for " + presetId, e);
        }
    }

    /** Where {@code semdex eval --fit-calibration} puts a preset's bundled calibration in a source tree. */
    public static Path bundledSource(Path projectRoot, String presetId) {
        return projectRoot.resolve("embed-operator/src/main/resources" + BUNDLED + presetId + ".json");
    }
}
