package io.semdex.ingest;

import io.semdex.embed.EmbedderSpec;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/** Measures text in tokens, the unit of a model's input budget. */
@FunctionalInterface
public interface TokenCounter extends Serializable {

    int count(String text);

    /**
     * The tokens of the spec's model, counted with the tokenizer in its files ({@code dir=}, or a
     * remote spec's {@code tokenizer=}): what the job splits with. A remote spec without a
     * tokenizer gets {@link #conservative()}, and the log says so once.
     */
    static TokenCounter forSpec(EmbedderSpec spec) {
        return ModelTokenCounter.forSpec(spec);
    }

    /**
     * A tokenizer-free count that is meant never to fall below a real one: the larger of one token
     * per character and one per two UTF-8 bytes. Byte-level BPE tokenizers (Qwen3, GPT-style) give
     * a digit or a symbol a token of its own and a CJK character (three bytes) one or at most about
     * 1.5 tokens, and ordinary words several characters per token; so units stay within the model's
     * input at the price of being up to about four times shorter than needed for English prose.
     */
    static TokenCounter conservative() {
        return text -> {
            int chars = text.codePointCount(0, text.length());
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            return Math.max(chars, (bytes + 1) / 2);
        };
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
