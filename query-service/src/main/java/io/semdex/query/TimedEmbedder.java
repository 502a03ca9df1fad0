package io.semdex.query;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.semdex.embed.Embedder;
import io.semdex.embed.ForwardingEmbedder;
import java.util.List;
import java.util.function.Supplier;

/** An {@link Embedder} that records how long each model call of the query service takes, for {@code /metrics}. */
final class TimedEmbedder extends ForwardingEmbedder {

    private final DistributionDataPoint seconds;

    TimedEmbedder(Embedder delegate, DistributionDataPoint seconds) {
        super(delegate);
        this.seconds = seconds;
    }

    private <T> T timed(Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } finally {
            seconds.observe((System.nanoTime() - start) / 1e9);
        }
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return timed(() -> delegate.embedDocuments(texts));
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return timed(() -> delegate.embedQueries(queries));
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        return timed(() -> delegate.embedTexts(texts));
    }

    @Override
    public List<float[]> embedTokens(List<long[]> tokenIds) {
        return timed(() -> delegate.embedTokens(tokenIds));
    }
}
