package io.semdex.embed;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.StoredVectors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An index in memory for the embed stage's reuse, as the sink's shard behaves: {@link #commit} applies
 * emitted documents (an upsert replaces a document's units, a delete removes them), and a view sees
 * the commits made before it was opened or last {@linkplain StoredVectors.View#refresh() refreshed}.
 * Static, so it survives the operator's copies; {@link #clear()} it before each test.
 */
final class CommittedVectors implements StoredVectors {

    private static final long serialVersionUID = 1L;
    /** Document id → vector key → vector, as of the last commit. */
    private static final Map<String, Map<String, float[]>> COMMITTED = new ConcurrentHashMap<>();

    static void clear() {
        COMMITTED.clear();
    }

    /** What the sink would commit of {@code documents}, in order. */
    static void commit(List<EmbeddedDocument> documents) {
        for (EmbeddedDocument doc : documents) {
            if (doc.deleted()) {
                COMMITTED.remove(doc.docId());
                continue;
            }
            Map<String, float[]> units = new HashMap<>();
            for (EmbeddedUnit unit : doc.units()) {
                if (unit.vectorKey() != null) {
                    units.put(unit.vectorKey(), unit.vector().clone());
                }
            }
            COMMITTED.put(doc.docId(), units);
        }
    }

    @Override
    public View open(int subtask) {
        return new View() {
            private Map<String, Map<String, float[]>> seen = Map.copyOf(COMMITTED);

            @Override
            public Map<String, float[]> vectors(String docId) {
                return seen.getOrDefault(docId, Map.of());
            }

            @Override
            public void refresh() {
                seen = Map.copyOf(COMMITTED);
            }

            @Override
            public void close() {}
        };
    }
}
