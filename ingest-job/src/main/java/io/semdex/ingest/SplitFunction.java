package io.semdex.ingest;

import io.semdex.core.SplitDocument;
import org.apache.flink.api.common.functions.MapFunction;

/** Splits each parsed upsert into its units; deletes pass through. */
final class SplitFunction implements MapFunction<ParsedChange, SplitDocument> {

    private final Splitter splitter;

    SplitFunction(Splitter splitter) {
        this.splitter = splitter;
    }

    @Override
    public SplitDocument map(ParsedChange change) {
        if (change.isDelete()) {
            return SplitDocument.delete(change.docId());
        }
        ParsedDocument doc = change.document();
        return new SplitDocument(change.docId(), doc.source().updatedMillis(), false, splitter.split(doc));
    }
}
