package io.semdex.ingest;

import java.io.Serializable;

/** Measures text in tokens, the unit of a model's input budget. */
@FunctionalInterface
public interface TokenCounter extends Serializable {

    int count(String text);

    /** The tokens of a model preset's own tokenizer: what the job splits with. */
    static TokenCounter forModel(String presetId) {
        return new ModelTokenCounter(presetId);
    }

    /**
     * A tokenizer-free estimate close to BERT-style WordPiece counts: one token per CJK character,
     * about four characters per token for other scripts, at least one per word. For tests and
     * tools that must not load a tokenizer.
     */
    static TokenCounter approximate() {
        return text -> {
            int tokens = 0;
            int wordChars = 0;
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (isCjk(cp)) {
                    tokens += wordTokens(wordChars) + 1;
                    wordChars = 0;
                } else if (Character.isLetterOrDigit(cp)) {
                    wordChars++;
                } else {
                    tokens += wordTokens(wordChars) + (Character.isWhitespace(cp) ? 0 : 1);
                    wordChars = 0;
                }
            }
            return tokens + wordTokens(wordChars);
        };
    }

    private static int wordTokens(int chars) {
        return chars == 0 ? 0 : (chars + 3) / 4;
    }

    private static boolean isCjk(int cp) {
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN
                || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA
                || script == Character.UnicodeScript.HANGUL;
    }
}
