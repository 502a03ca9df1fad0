package io.semdex.ingest;

import io.semdex.core.ContentHash;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a document into atomic semantic units: sentences packed into passages of at most
 * {@code maxTokens}, never crossing a paragraph; a FAQ's question and answer stay one unit.
 * Unit ids are {@code <doc id>#<ordinal>} in reading order, so the same document always splits
 * into the same ids.
 */
public final class Splitter implements Serializable {

    public static final int DEFAULT_MAX_TOKENS = 200;
    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n\\s*\\n");

    private final int maxTokens;
    private final TokenCounter tokens;

    public Splitter(int maxTokens, TokenCounter tokens) {
        if (maxTokens < 8) {
            throw new IllegalArgumentException("maxTokens must be >= 8, got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.tokens = tokens;
    }

    public static Splitter withDefaults() {
        return new Splitter(DEFAULT_MAX_TOKENS, TokenCounter.approximate());
    }

    public List<Unit> split(SourceDocument doc) {
        List<String> passages = new ArrayList<>();
        for (SourceDocument.FaqEntry entry : doc.faq()) {
            passages.addAll(pack(SentenceSplitter.split(entry.q() + "\n" + entry.a())));
        }
        if (doc.body() != null) {
            for (String paragraph : PARAGRAPH_BREAK.split(doc.body())) {
                passages.addAll(pack(SentenceSplitter.split(paragraph)));
            }
        }
        if (passages.isEmpty() && doc.title() != null && !doc.title().isBlank()) {
            passages.add(doc.title().strip());
        }
        List<Unit> units = new ArrayList<>(passages.size());
        for (String text : passages) {
            int ordinal = units.size();
            Unit draft = new Unit(Unit.idOf(doc.id(), ordinal), doc.id(), ordinal, text, List.of(), doc.title(),
                    doc.url(), doc.source(), doc.lang(), doc.fields(), "");
            units.add(withHash(draft));
        }
        return units;
    }

    private static Unit withHash(Unit u) {
        return new Unit(u.unitId(), u.docId(), u.ordinal(), u.text(), u.headingPath(), u.title(), u.url(), u.source(),
                u.lang(), u.fields(), ContentHash.of(u.embeddingInput()));
    }

    /** Packs whole sentences greedily; a sentence over budget alone is cut into budget-sized pieces. */
    private List<String> pack(List<String> sentences) {
        List<String> passages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int currentTokens = 0;
        for (String sentence : sentences) {
            int n = tokens.count(sentence);
            if (n > maxTokens) {
                flush(current, passages);
                currentTokens = 0;
                passages.addAll(cut(sentence));
                continue;
            }
            if (currentTokens + n > maxTokens) {
                flush(current, passages);
                currentTokens = 0;
            }
            if (!current.isEmpty() && needsSpace(current, sentence)) {
                current.append(' ');
            }
            current.append(sentence);
            currentTokens += n;
        }
        flush(current, passages);
        return passages;
    }

    private List<String> cut(String sentence) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < sentence.length()) {
            int end = sentence.length();
            while (end > start + 1 && tokens.count(sentence.substring(start, end)) > maxTokens) {
                end = start + (end - start) * 3 / 4;
            }
            pieces.add(sentence.substring(start, end).strip());
            start = end;
        }
        pieces.removeIf(String::isEmpty);
        return pieces;
    }

    private static void flush(StringBuilder current, List<String> passages) {
        if (!current.isEmpty()) {
            passages.add(current.toString());
            current.setLength(0);
        }
    }

    /** Latin sentences are joined with a space; CJK sentences run on as they are written. */
    private static boolean needsSpace(StringBuilder current, String next) {
        char last = current.charAt(current.length() - 1);
        return last < 0x2E80 && next.charAt(0) < 0x2E80;
    }
}
