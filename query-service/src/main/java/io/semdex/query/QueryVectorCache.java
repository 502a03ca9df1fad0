package io.semdex.query;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Remembers the embeddings of recent query strings (least recently used out first): a repeated
 * query skips the model. Capacity 0 turns it off. The model is deterministic for a single query,
 * so a cached vector is the vector the model would give again.
 */
final class QueryVectorCache {

    private final int capacity;
    private final Map<String, float[]> vectors;

    QueryVectorCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("query cache capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.vectors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > QueryVectorCache.this.capacity;
            }
        };
    }

    /** The cached vector of {@code query}, or null. */
    synchronized float[] get(String query) {
        return capacity == 0 ? null : vectors.get(query);
    }

    /** The cached vector, or one computed (outside the lock, so slow embeddings do not serialize lookups) and kept. */
    float[] get(String query, Function<String, float[]> embed) {
        float[] cached = get(query);
        if (cached != null) {
            return cached;
        }
        float[] computed = embed.apply(query);
        if (capacity > 0) {
            synchronized (this) {
                vectors.put(query, computed);
            }
        }
        return computed;
    }

    synchronized int size() {
        return vectors.size();
    }
}
