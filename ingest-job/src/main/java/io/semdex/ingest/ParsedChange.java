package io.semdex.ingest;

import java.io.Serializable;
import java.util.Objects;

/**
 * A change to one document after parsing: the parsed new version, or a delete.
 *
 * @param document the parsed new version, or null for a delete (a Kafka tombstone)
 */
public record ParsedChange(String docId, ParsedDocument document) implements Serializable {

    public ParsedChange {
        Objects.requireNonNull(docId, "docId");
        if (document != null && !document.source().id().equals(docId)) {
            throw new IllegalArgumentException(
                    "document id '" + document.source().id() + "' differs from change id '" + docId + "'");
        }
    }

    public static ParsedChange upsert(ParsedDocument document) {
        return new ParsedChange(document.source().id(), document);
    }

    public static ParsedChange delete(String docId) {
        return new ParsedChange(docId, null);
    }

    public boolean isDelete() {
        return document == null;
    }
}
