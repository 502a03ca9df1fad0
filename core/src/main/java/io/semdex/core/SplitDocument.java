package io.semdex.core;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A document change after splitting: all units of the new version, or a delete.
 *
 * @param updatedMillis version time of the document, 0 when unknown
 * @param units in ordinal order; empty for a delete
 * @param origin the record this version came from, for dead-lettering and for ordering the lanes by when Kafka
 *     accepted it; null when unknown
 */
public record SplitDocument(String docId, long updatedMillis, boolean deleted, List<Unit> units, RecordOrigin origin)
        implements Serializable {

    /** A document change with no record origin (it cannot be dead-lettered with its bytes). */
    public SplitDocument(String docId, long updatedMillis, boolean deleted, List<Unit> units) {
        this(docId, updatedMillis, deleted, units, null);
    }

    public SplitDocument {
        Objects.requireNonNull(docId, "docId");
        units = List.copyOf(units);
        if (deleted && !units.isEmpty()) {
            throw new IllegalArgumentException("a delete of '" + docId + "' carries no units");
        }
    }

    public static SplitDocument delete(String docId) {
        return new SplitDocument(docId, 0L, true, List.of());
    }
}
