package io.semdex.query;

import io.semdex.embed.ModelPresets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run the query service.
 *
 * @param host address to bind; {@code 127.0.0.1} unless the service must be reachable from elsewhere
 * @param port 0 picks a free port
 * @param bootstrapServers Kafka for {@code POST /api/documents}; null disables that endpoint
 * @param queryCache query vectors the searcher remembers; 0 embeds every query (e.g. to measure the model's cost)
 */
public record QueryServiceConfig(String host, int port, Path indexRoot, String modelPreset, String bootstrapServers, String topic,
        long refreshMillis, int queryCache) {

    /** With the default query cache ({@value Searcher#DEFAULT_QUERY_CACHE} vectors). */
    public QueryServiceConfig(String host, int port, Path indexRoot, String modelPreset, String bootstrapServers, String topic,
            long refreshMillis) {
        this(host, port, indexRoot, modelPreset, bootstrapServers, topic, refreshMillis, Searcher.DEFAULT_QUERY_CACHE);
    }

    public QueryServiceConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(indexRoot, "indexRoot");
        ModelPresets.get(modelPreset);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (refreshMillis < 10) {
            throw new IllegalArgumentException("refreshMillis must be >= 10, got " + refreshMillis);
        }
        if (queryCache < 0) {
            throw new IllegalArgumentException("queryCache must be >= 0, got " + queryCache);
        }
    }
}
