package io.semdex.ingest;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into sentences with ICU's rules, which know Chinese 。！？ as well as English
 * punctuation, and a sentence into clauses where one sentence alone is too long for a unit. Each
 * piece is trimmed; no character of the text is lost except whitespace between pieces.
 */
public final class SentenceSplitter {

    /** Clause ends: always for the full-width forms, for ASCII only before whitespace ("1,000" and "a:b" stay). */
    private static final String WIDE_CLAUSE_ENDS = "，；：、";
    private static final String ASCII_CLAUSE_ENDS = ",;:";

    private SentenceSplitter() {}

    public static List<String> split(String text) {
        List<String> sentences = new ArrayList<>();
        BreakIterator it = BreakIterator.getSentenceInstance(ULocale.ROOT);
        it.setText(text);
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) {
                sentences.add(sentence);
            }
        }
        return sentences;
    }

    /** The clauses of one sentence, each ending with its punctuation: "a，b；c" → "a，", "b；", "c". */
    public static List<String> clauses(String sentence) {
        List<String> clauses = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < sentence.length(); i++) {
            char c = sentence.charAt(i);
            boolean end = WIDE_CLAUSE_ENDS.indexOf(c) >= 0
                    || ASCII_CLAUSE_ENDS.indexOf(c) >= 0 && i + 1 < sentence.length() && Character.isWhitespace(sentence.charAt(i + 1));
            if (end) {
                add(sentence.substring(start, i + 1), clauses);
                start = i + 1;
            }
        }
        add(sentence.substring(start), clauses);
        return clauses;
    }

    private static void add(String clause, List<String> clauses) {
        String s = clause.strip();
        if (!s.isEmpty()) {
            clauses.add(s);
        }
    }
}
