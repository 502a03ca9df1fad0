package io.semdex.sink;

import io.semdex.core.IndexOptions;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * The codec a shard is written with: Lucene's default, with the vector format the
 * {@link IndexOptions} ask for. Readers need nothing of this: each segment names its format.
 */
final class VectorCodec {

    private VectorCodec() {}

    static Codec of(IndexOptions options) {
        KnnVectorsFormat format = switch (options.quantization()) {
            case "int8" -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.UNSIGNED_BYTE, options.maxConn(), options.beamWidth());
            case "int4" -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.PACKED_NIBBLE, options.maxConn(), options.beamWidth());
            default -> new Lucene99HnswVectorsFormat(options.maxConn(), options.beamWidth());
        };
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }
}
