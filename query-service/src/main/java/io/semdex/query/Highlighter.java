package io.semdex.query;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;

/**
 * Finds where query terms occur in a stored field by analyzing it again with the index's analyzer:
 * a token whose term is a query term marks its offsets. Overlapping or touching marks merge, so
 * the CJK bigrams 维生 + 生素 mark 维生素 once. Units are short, so this costs well under a millisecond.
 */
final class Highlighter {

    private Highlighter() {}

    static List<Highlight> spans(Analyzer analyzer, String field, String value, Set<String> queryTerms) {
        if (value == null || value.isEmpty() || queryTerms.isEmpty()) {
            return List.of();
        }
        List<int[]> marks = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream(field, value)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            OffsetAttribute offset = stream.addAttribute(OffsetAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                if (queryTerms.contains(term.toString()) && offset.endOffset() > offset.startOffset()) {
                    marks.add(new int[] {offset.startOffset(), Math.min(offset.endOffset(), value.length())});
                }
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException("analyzing a stored field cannot fail, but did", e);
        }
        marks.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        List<Highlight> spans = new ArrayList<>();
        int start = -1;
        int end = -1;
        for (int[] m : marks) {
            if (start >= 0 && m[0] <= end) {
                end = Math.max(end, m[1]);
                continue;
            }
            if (start >= 0) {
                spans.add(new Highlight(field, start, end));
            }
            start = m[0];
            end = m[1];
        }
        if (start >= 0 && end > start) {
            spans.add(new Highlight(field, start, end));
        }
        return spans;
    }
}
