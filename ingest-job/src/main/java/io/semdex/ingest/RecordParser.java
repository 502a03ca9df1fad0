package io.semdex.ingest;

import io.semdex.core.DocumentChange;
import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import java.io.Serializable;

/**
 * Turns one raw input record (key and value bytes) into a parsed change: the JSON contract first
 * ({@link DocumentJson}: UTF-8, size, fields, id/key agreement), then the body by its format
 * ({@link DocumentParser}). Everything that can be wrong with a record fails here, with an
 * {@link InvalidDocumentException} whose message is the dead-letter reason.
 */
public final class RecordParser implements Serializable {

    private final int maxRecordBytes;

    public RecordParser(int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be >= 1, got " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * @param key the record key (the document id as UTF-8), may be null
     * @param value the JSON document, or null for a delete
     * @throws InvalidDocumentException when the record breaks the input contract or its body cannot be read
     */
    public ParsedChange parse(byte[] key, byte[] value) {
        DocumentChange change = DocumentJson.parseRecord(key, value, maxRecordBytes);
        if (change.isDelete()) {
            return ParsedChange.delete(change.docId());
        }
        return ParsedChange.upsert(DocumentParser.parse(change.document()));
    }
}
