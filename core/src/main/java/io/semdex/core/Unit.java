package io.semdex.core;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An atomic semantic unit of a document: what is embedded, indexed and returned as a hit.
 *
 * @param unitId {@code <document id>#<ordinal>}
 * @param headingPath the headings above the unit, outermost first; context for embedding
 * @param hash content hash of what is embedded (see {@link ContentHash})
 */
public record Unit(
        String unitId,
        String docId,
        int ordinal,
        String text,
        List<String> headingPath,
        String title,
        String url,
        String source,
        String lang,
        Map<String, Object> fields,
        String hash)
        implements Serializable {

    public Unit {
        Objects.requireNonNull(docId, "docId");
        Objects.requireNonNull(text, "text");
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal must be >= 0, got " + ordinal);
        }
        if (!unitId.equals(idOf(docId, ordinal))) {
            throw new IllegalArgumentException(
                    "unit id '" + unitId + "' must be '" + idOf(docId, ordinal) + "'");
        }
        headingPath = headingPath == null ? List.of() : List.copyOf(headingPath);
        fields = fields == null ? Map.of() : Map.copyOf(fields);
    }

    /** The deterministic id of a document's unit at {@code ordinal}. */
    public static String idOf(String docId, int ordinal) {
        return docId + "#" + ordinal;
    }

    /**
     * The text the embedder sees: the unit text with its title and heading path as context, so
     * that a short passage under "Shipping › Returns" still carries what it is about.
     */
    public String embeddingInput() {
        StringBuilder context = new StringBuilder();
        if (title != null && !title.isBlank() && !text.startsWith(title)) {
            context.append(title.strip());
        }
        for (String heading : headingPath) {
            if (heading.isBlank() || heading.equals(title)) {
                continue;
            }
            context.append(context.isEmpty() ? "" : " › ").append(heading.strip());
        }
        return context.isEmpty() ? text : context + "\n" + text;
    }
}
