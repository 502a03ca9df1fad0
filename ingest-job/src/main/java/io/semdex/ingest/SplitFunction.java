package io.semdex.ingest;

import io.semdex.core.DocumentChange;
import io.semdex.core.SplitDocument;
import org.apache.flink.api.common.functions.MapFunction;

/** Splits each upsert into its units; deletes pass through. */
final class SplitFunction implements MapFunction<DocumentChange, SplitDocument> {

    private final Splitter splitter;

    SplitFunction(Splitter splitter) {
        this.splitter = splitter;
    }

    @Override
    public SplitDocument map(DocumentChange change) {
        if (change.isDelete()) {
            return SplitDocument.delete(change.docId());
        }
        return new SplitDocument(change.docId(), change.document().updatedMillis(), false, splitter.split(change.document()));
    }
}
