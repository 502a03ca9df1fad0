package io.semdex.core;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One document as it arrives on the input topic: the unit of replacement in the index.
 *
 * @param id required, unique within the index
 * @param format {@code text | markdown | html | confluence | faq | product}; null means detect
 * @param updated version time; a record older than the indexed version is ignored (null = unknown)
 * @param faq question/answer pairs, empty when the document has none
 * @param fields metadata for filters (brand, category, price, …), never null
 */
public record SourceDocument(
        String id,
        String title,
        String body,
        String format,
        String url,
        String source,
        String lang,
        Instant updated,
        List<FaqEntry> faq,
        Map<String, Object> fields)
        implements Serializable {

    public SourceDocument {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("document id must not be blank");
        }
        faq = faq == null ? List.of() : List.copyOf(faq);
        fields = fields == null ? Map.of() : Map.copyOf(fields);
    }

    /** A plain-text document with only an id and a body. */
    public static SourceDocument ofText(String id, String body) {
        return new SourceDocument(id, null, body, "text", null, null, null, null, List.of(), Map.of());
    }

    /** The version time in epoch milliseconds, or 0 when unknown. */
    public long updatedMillis() {
        return updated == null ? 0L : updated.toEpochMilli();
    }

    /** One question with its answer, kept together as one unit. */
    public record FaqEntry(String q, String a) implements Serializable {}
}
