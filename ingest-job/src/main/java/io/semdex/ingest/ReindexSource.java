package io.semdex.ingest;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/** Where a bounded reindex reads its documents. */
public sealed interface ReindexSource extends Serializable {

    /** Accumulator of an export reindex: records read from the export. */
    String RECORDS_READ = ExportRecords.RECORDS_READ;
    /** Accumulator of an export reindex: records read that break the input contract. */
    String RECORDS_INVALID = ExportRecords.RECORDS_INVALID;

    /**
     * The input topic from its beginning up to {@code endOffsets} (partition → offset, exclusive), and
     * its interactive lane's topic up to {@code interactiveEndOffsets} (empty: no interactive topic to read).
     */
    record Topic(Map<Integer, Long> endOffsets, Map<Integer, Long> interactiveEndOffsets) implements ReindexSource {
        public Topic {
            endOffsets = Map.copyOf(endOffsets);
            interactiveEndOffsets = interactiveEndOffsets == null ? Map.of() : Map.copyOf(interactiveEndOffsets);
        }

        /** The input topic alone. */
        public Topic(Map<Integer, Long> endOffsets) {
            this(endOffsets, Map.of());
        }
    }

    /**
     * An export, read exactly as {@code semdex produce} reads it ({@link ExportFiles}): a JSONL
     * file, or a directory of JSONL, JSON, HTML, Markdown and text files; with
     * {@link ExportFiles.Options#beir()}, JSON records are BEIR corpus lines.
     *
     * @param path a file or a directory of files
     */
    record Export(String path, ExportFiles.Options options) implements ReindexSource {
        public Export {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(options, "options");
        }
    }
}
