package io.semdex.ingest;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One structural piece of a parsed document — a paragraph, a list item, a table row, a code block
 * or a product record — with the headings above it. The splitter packs blocks into units.
 *
 * @param headingPath the headings above the block, outermost first, without the document title
 * @param lead text that travels with every part of the block: a FAQ question, a definition term;
 *     null when there is none
 * @param text the block's own text; for {@link Kind#CODE} the code exactly as written
 */
public record Block(Kind kind, List<String> headingPath, String lead, String text) implements Serializable {

    /** What a block is; decides how it is rendered and whether it shares a unit. */
    public enum Kind {
        PARAGRAPH,
        LIST_ITEM,
        TABLE_ROW,
        /** Code or preformatted text: split at line ends, never at sentence punctuation. */
        CODE,
        /** A catalog record's title and key attributes: always a unit of its own. */
        RECORD
    }

    public Block {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        headingPath = headingPath == null ? List.of() : List.copyOf(headingPath);
        if (lead != null && lead.isBlank()) {
            lead = null;
        }
    }

    public static Block paragraph(String text) {
        return new Block(Kind.PARAGRAPH, List.of(), null, text);
    }

    /** This block under another lead (a FAQ question that each part of an answer carries). */
    public Block withLead(String newLead) {
        return new Block(kind, headingPath, newLead, text);
    }
}
