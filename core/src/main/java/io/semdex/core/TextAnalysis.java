package io.semdex.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.cjk.CJKWidthCharFilter;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ConditionalTokenFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

/**
 * The text analyzers an index can be built with, chosen by the corpus language. The name goes
 * into the manifest ({@link Manifest#analyzer()}), so the query side analyzes queries exactly as
 * the index analyzed documents.
 *
 * <pre>{@code
 * String name = TextAnalysis.forLanguage("zh");          // "smartcn"
 * try (Analyzer analyzer = TextAnalysis.create(name)) {
 *     List<String> terms = TextAnalysis.terms(analyzer, IndexFields.TEXT, "哪种水果维生素C多");
 * }
 * }</pre>
 */
public final class TextAnalysis {

    /** English: Unicode words, possessives removed, lower case, English stop words, Porter stemming. */
    public static final String ENGLISH = "english";
    /**
     * Chinese: SmartChineseAnalyzer's HMM word segmentation (a dictionary of Simplified Chinese
     * words); Latin words in Chinese text are lower-cased and Porter-stemmed.
     */
    public static final String SMARTCN = "smartcn";
    /**
     * Mixed Chinese, Japanese, Korean and English: overlapping bigrams for CJK scripts (no dictionary,
     * so nothing is out of vocabulary), English stop words and Porter stemming for Latin words.
     */
    public static final String MULTILINGUAL = "multilingual";
    /** Lucene's CJKAnalyzer: CJK bigrams, no stemming. Kept so that indexes built with it stay searchable. */
    public static final String CJK_BIGRAM = "cjk-bigram";

    /** For a stream of documents in several languages: {@link #MULTILINGUAL}. */
    public static final String DEFAULT = MULTILINGUAL;

    private static final List<String> NAMES = List.of(ENGLISH, SMARTCN, MULTILINGUAL, CJK_BIGRAM);

    private TextAnalysis() {}

    /** The known analyzer names. */
    public static List<String> names() {
        return NAMES;
    }

    public static Analyzer create(String name) {
        if (name == null) {
            throw new IllegalArgumentException("analyzer name is required; known: " + String.join(", ", NAMES));
        }
        return switch (name) {
            case ENGLISH -> new EnglishAnalyzer();
            case SMARTCN -> new SmartChineseAnalyzer();
            case MULTILINGUAL -> new MultilingualAnalyzer();
            case CJK_BIGRAM -> new CJKAnalyzer();
            default -> throw new IllegalArgumentException(
                    "unknown analyzer '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }

    /**
     * The analyzer for a corpus in {@code lang} (a BCP 47 tag such as {@code en}, {@code zh-CN}):
     * {@link #SMARTCN} for Chinese, {@link #ENGLISH} for English, {@link #MULTILINGUAL} for anything
     * else or when the language is unknown (null or blank).
     */
    public static String forLanguage(String lang) {
        if (lang == null || lang.isBlank()) {
            return MULTILINGUAL;
        }
        String primary = lang.strip().toLowerCase(Locale.ROOT).split("[-_]", 2)[0];
        return switch (primary) {
            case "zh" -> SMARTCN;
            case "en" -> ENGLISH;
            default -> MULTILINGUAL;
        };
    }

    /**
     * Guesses the language of a text sample by script: {@code zh} when at least a fifth of its
     * letters are Han characters, {@code en} when it is mostly Latin, else null (unknown).
     */
    public static String guessLanguage(CharSequence sample) {
        long letters = 0;
        long han = 0;
        long latin = 0;
        for (int i = 0; i < sample.length(); ) {
            int cp = Character.codePointAt(sample, i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            letters++;
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            if (script == Character.UnicodeScript.HAN) {
                han++;
            } else if (script == Character.UnicodeScript.LATIN) {
                latin++;
            }
        }
        if (letters == 0) {
            return null;
        }
        if (han * 5 >= letters) {
            return "zh";
        }
        return latin * 10 >= letters * 9 ? "en" : null;
    }

    /** The terms {@code analyzer} makes of {@code text} in {@code field}, in order, duplicates kept. */
    public static List<String> terms(Analyzer analyzer, String field, String text) {
        List<String> terms = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                terms.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException("analyzing a string cannot fail, but did", e);
        }
        return terms;
    }

    /**
     * StandardTokenizer splits Latin words and emits each CJK ideograph on its own; CJKBigramFilter
     * joins neighbouring CJK characters into bigrams; only Latin/number tokens are stemmed.
     */
    private static final class MultilingualAnalyzer extends Analyzer {

        @Override
        protected java.io.Reader initReader(String fieldName, java.io.Reader reader) {
            return new CJKWidthCharFilter(reader); // full-width Latin and half-width kana to their usual forms
        }

        @Override
        protected java.io.Reader initReaderForNormalization(String fieldName, java.io.Reader reader) {
            return new CJKWidthCharFilter(reader);
        }

        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            Tokenizer source = new StandardTokenizer();
            TokenStream stream = new LowerCaseFilter(source);
            stream = new CJKBigramFilter(stream);
            stream = new EnglishPossessiveFilter(stream);
            stream = new StopFilter(stream, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
            stream = new LatinOnly(stream, PorterStemFilter::new);
            return new TokenStreamComponents(source, stream);
        }

        @Override
        protected TokenStream normalize(String fieldName, TokenStream in) {
            return new LowerCaseFilter(in);
        }
    }

    /** Applies a filter only to tokens the tokenizer typed as Latin words or numbers, never to CJK grams. */
    private static final class LatinOnly extends ConditionalTokenFilter {
        private final TypeAttribute type = addAttribute(TypeAttribute.class);

        LatinOnly(TokenStream input, java.util.function.Function<TokenStream, TokenStream> filter) {
            super(input, filter);
        }

        @Override
        protected boolean shouldFilter() {
            String t = type.type();
            return t.equals("<ALPHANUM>") || t.equals("<NUM>");
        }
    }
}
