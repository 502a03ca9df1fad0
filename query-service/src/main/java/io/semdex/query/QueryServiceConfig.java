package io.semdex.query;

import io.semdex.embed.EmbedderSpec;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run the query service.
 *
 * @param host address to bind; {@code 127.0.0.1} unless the service must be reachable from elsewhere
 * @param port 0 picks a free port
 * @param model the model that embeds queries for generations built with it; a generation built with
 *     another one is searched with the model its manifest records
 * @param bootstrapServers Kafka for {@code POST /api/documents}; null disables that endpoint
 * @param queryCache query vectors the searcher remembers; 0 embeds every query (e.g. to measure the model's cost)
 * @param access API key, CORS, rate limit and body limit; {@link AccessPolicy#DEFAULT} for a local service
 * @param batchQueries let concurrent searches share model calls where the model allows it ({@link QueryBatcher});
 *     false embeds every query in a call of its own (e.g. to measure what sharing gains)
 */
public record QueryServiceConfig(String host, int port, Path indexRoot, EmbedderSpec model, String bootstrapServers, String topic,
        long refreshMillis, int queryCache, AccessPolicy access, boolean batchQueries) {

    /** Loopback only: the service is reachable from other machines only when told so. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Concurrent searches share model calls where the model allows it. */
    public QueryServiceConfig(String host, int port, Path indexRoot, EmbedderSpec model, String bootstrapServers, String topic,
            long refreshMillis, int queryCache, AccessPolicy access) {
        this(host, port, indexRoot, model, bootstrapServers, topic, refreshMillis, queryCache, access, true);
    }

    /** With the default access policy. */
    public QueryServiceConfig(String host, int port, Path indexRoot, EmbedderSpec model, String bootstrapServers, String topic,
            long refreshMillis, int queryCache) {
        this(host, port, indexRoot, model, bootstrapServers, topic, refreshMillis, queryCache, AccessPolicy.DEFAULT);
    }

    /** With the default query cache ({@value Searcher#DEFAULT_QUERY_CACHE} vectors). */
    public QueryServiceConfig(String host, int port, Path indexRoot, EmbedderSpec model, String bootstrapServers, String topic,
            long refreshMillis) {
        this(host, port, indexRoot, model, bootstrapServers, topic, refreshMillis, Searcher.DEFAULT_QUERY_CACHE);
    }

    public QueryServiceConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(indexRoot, "indexRoot");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(model, "model");
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

    /** The dead-letter topic of {@link #topic()}, named as the ingest job names it. */
    public String deadLetterTopic() {
        return topic == null ? null : topic + ".dlq";
    }

    public QueryServiceConfig withAccess(AccessPolicy access) {
        return new QueryServiceConfig(host, port, indexRoot, model, bootstrapServers, topic, refreshMillis, queryCache, access,
                batchQueries);
    }

    public QueryServiceConfig withBatchQueries(boolean batch) {
        return new QueryServiceConfig(host, port, indexRoot, model, bootstrapServers, topic, refreshMillis, queryCache, access, batch);
    }
}
