package io.semdex.ingest;

import io.semdex.core.SourceDocument;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A document after its markup was read: the blocks of its main content in reading order, with
 * site chrome (navigation, breadcrumbs, footers, export boilerplate) already gone.
 *
 * @param source the document as it arrived; its metadata travels into every unit
 * @param format the format the body was read as (given, or detected)
 * @param title the given title, else the one the markup names (a page heading); may be null
 */
public record ParsedDocument(SourceDocument source, String format, String title, List<Block> blocks)
        implements Serializable {

    public ParsedDocument {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(format, "format");
        blocks = List.copyOf(blocks);
        title = title == null || title.isBlank() ? null : title.strip();
    }
}
