package io.semdex.ingest;

import io.semdex.core.RecordOrigin;
import java.io.Serializable;
import java.util.Objects;

/**
 * A change to one document after parsing: the parsed new version, or a delete.
 *
 * @param document the parsed new version, or null for a delete (a Kafka tombstone)
 * @param origin the record it was parsed from, kept so a later stage can dead-letter it and so the
 *     embed stage can order the lanes by when the record was accepted; null when built in process
 */
public record ParsedChange(String docId, ParsedDocument document, RecordOrigin origin) implements Serializable {

    public ParsedChange(String docId, ParsedDocument document) {
        this(docId, document, null);
    }

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

    /** This change with the record it came from. */
    public ParsedChange withOrigin(RecordOrigin origin) {
        return new ParsedChange(docId, document, origin);
    }

    public boolean isDelete() {
        return document == null;
    }
}
