package io.semdex.core;

import java.io.Serializable;
import java.util.Objects;

/**
 * A change to one document: an upsert carrying the new version, or a delete (a Kafka tombstone).
 *
 * @param docId the document id, also the Kafka key
 * @param document the new version, or null for a delete
 */
public record DocumentChange(String docId, SourceDocument document) implements Serializable {

    public DocumentChange {
        Objects.requireNonNull(docId, "docId");
        if (document != null && !document.id().equals(docId)) {
            throw new IllegalArgumentException(
                    "document id '" + document.id() + "' differs from change id '" + docId + "'");
        }
    }

    public static DocumentChange upsert(SourceDocument document) {
        return new DocumentChange(document.id(), document);
    }

    public static DocumentChange delete(String docId) {
        return new DocumentChange(docId, null);
    }

    public boolean isDelete() {
        return document == null;
    }
}
