package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexFields;
import io.semdex.core.TextAnalysis;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.FSDirectory;

/**
 * Owns one Lucene shard directory: applies document upserts and deletes, and commits on request.
 * A document's units are replaced in one {@link IndexWriter#updateDocuments} call, so no reader
 * ever sees a mix of two versions, or none.
 */
public final class ShardWriter implements Closeable {

    private final Path dir;
    private final IndexWriter writer;
    private long pendingChanges;

    public ShardWriter(Path dir, String analyzer) throws IOException {
        this.dir = dir;
        IndexWriterConfig config = new IndexWriterConfig(TextAnalysis.create(analyzer))
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                // Only a commit the job asked for is ever visible: never one made by close().
                .setCommitOnClose(false);
        this.writer = new IndexWriter(FSDirectory.open(dir), config);
        if (!org.apache.lucene.index.DirectoryReader.indexExists(writer.getDirectory())) {
            writer.commit(); // an empty shard is searchable at once
        }
    }

    public Path dir() {
        return dir;
    }

    public void apply(EmbeddedDocument change) throws IOException {
        Term key = new Term(IndexFields.DOC_ID, change.docId());
        if (change.deleted()) {
            writer.deleteDocuments(key);
        } else {
            List<Document> docs = new ArrayList<>(change.units().size());
            for (EmbeddedUnit unit : change.units()) {
                docs.add(UnitDocuments.toDocument(unit, change.updatedMillis()));
            }
            writer.updateDocuments(key, docs);
        }
        pendingChanges++;
    }

    /** Makes everything applied so far durable and visible to readers; returns false when nothing changed. */
    public boolean commit() throws IOException {
        if (pendingChanges == 0) {
            return false;
        }
        writer.commit();
        pendingChanges = 0;
        return true;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
