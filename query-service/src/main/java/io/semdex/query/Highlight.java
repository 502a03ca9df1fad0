package io.semdex.query;

/**
 * A span of a hit's field that matched a query term: {@code field.substring(start, end)} in Java
 * (and JavaScript) string indices, UTF-16 code units. Spans of one field are sorted and never overlap.
 * Spans rather than marked-up text, so a page can render them safely without parsing HTML.
 *
 * @param field {@code title} or {@code text}
 */
public record Highlight(String field, int start, int end) {

    public Highlight {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("highlight span needs 0 <= start < end, got [" + start + ", " + end + ")");
        }
    }
}
