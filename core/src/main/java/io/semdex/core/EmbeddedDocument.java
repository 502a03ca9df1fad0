package io.semdex.core;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What the index sink receives: every unit of one document version with its vector, or a
 * delete. The sink replaces a document's units as one atomic block.
 *
 * @param origin the record this version came from, for dead-lettering; null for a delete or when unknown
 */
public record EmbeddedDocument(String docId, long updatedMillis, boolean deleted, List<EmbeddedUnit> units, RecordOrigin origin)
        implements Serializable {

    /** A document change with no record origin (it cannot be dead-lettered with its bytes). */
    public EmbeddedDocument(String docId, long updatedMillis, boolean deleted, List<EmbeddedUnit> units) {
        this(docId, updatedMillis, deleted, units, null);
    }

    public EmbeddedDocument {
        Objects.requireNonNull(docId, "docId");
        units = List.copyOf(units);
        if (deleted && !units.isEmpty()) {
            throw new IllegalArgumentException("a delete of '" + docId + "' carries no units");
        }
    }

    public static EmbeddedDocument delete(String docId) {
        return new EmbeddedDocument(docId, 0L, true, List.of());
    }
}
