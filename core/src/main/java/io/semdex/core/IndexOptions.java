package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.Serializable;
import java.util.Locale;

/**
 * How a generation stores its vectors. Recorded in the manifest.
 *
 * @param maxConn HNSW neighbours per node (Lucene default 16): higher is better recall, more memory
 * @param beamWidth HNSW candidates while building (Lucene default 100): higher is better graphs, slower builds
 * @param quantization {@code none}, {@code int8} or {@code int4}: scalar quantization of the searched
 *     vectors. The float vectors stay on disk, and semdex reports cosines from them, so thresholds stay exact.
 * @param forceMerge merge each shard to one segment when a bounded (batch) build ends
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IndexOptions(int maxConn, int beamWidth, String quantization, boolean forceMerge) implements Serializable {

    public static final IndexOptions DEFAULT = new IndexOptions(16, 100, "none", false);

    public IndexOptions {
        if (maxConn < 2 || maxConn > 512) {
            throw new IllegalArgumentException("maxConn must be in 2..512, got " + maxConn);
        }
        if (beamWidth < 2 || beamWidth > 3200) {
            throw new IllegalArgumentException("beamWidth must be in 2..3200, got " + beamWidth);
        }
        quantization = quantization == null ? "none" : quantization.toLowerCase(Locale.ROOT);
        if (!quantization.equals("none") && !quantization.equals("int8") && !quantization.equals("int4")) {
            throw new IllegalArgumentException("quantization must be none, int8 or int4, got '" + quantization + "'");
        }
    }

    public IndexOptions withQuantization(String quantization) {
        return new IndexOptions(maxConn, beamWidth, quantization, forceMerge);
    }

    public IndexOptions withForceMerge(boolean forceMerge) {
        return new IndexOptions(maxConn, beamWidth, quantization, forceMerge);
    }
}
