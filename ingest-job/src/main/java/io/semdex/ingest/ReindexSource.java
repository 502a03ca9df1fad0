package io.semdex.ingest;

import java.io.Serializable;
import java.util.Map;

/** Where a bounded reindex reads its documents. */
public sealed interface ReindexSource extends Serializable {

    /** The input topic from its beginning up to {@code endOffsets} (partition → offset, exclusive). */
    record Topic(Map<Integer, Long> endOffsets) implements ReindexSource {
        public Topic {
            endOffsets = Map.copyOf(endOffsets);
        }
    }

    /**
     * JSON lines: one document per line in the input contract, or, with {@code beir}, a BEIR
     * corpus ({@code {"_id", "title", "text", "metadata"}}).
     *
     * @param path a file or a directory of files
     */
    record Export(String path, boolean beir) implements ReindexSource {}
}
