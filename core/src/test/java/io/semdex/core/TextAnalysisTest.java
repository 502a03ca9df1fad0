package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.lucene.analysis.Analyzer;
import org.junit.jupiter.api.Test;

class TextAnalysisTest {

    @Test
    void englishStemsSoThatInflectionsMatch() {
        try (Analyzer english = TextAnalysis.create(TextAnalysis.ENGLISH)) {
            assertThat(TextAnalysis.terms(english, "text", "Running shoes for the women's team"))
                    .containsExactly("run", "shoe", "women", "team");
            assertThat(TextAnalysis.terms(english, "text", "run shoe"))
                    .isEqualTo(TextAnalysis.terms(english, "text", "running shoes"));
        }
    }

    @Test
    void smartChineseSegmentsWordsAndStemsEmbeddedEnglish() {
        try (Analyzer smartcn = TextAnalysis.create(TextAnalysis.SMARTCN)) {
            assertThat(TextAnalysis.terms(smartcn, "text", "我喜欢跑步鞋")).contains("喜欢", "跑步");
            assertThat(TextAnalysis.terms(smartcn, "text", "Running 手机")).containsExactly("run", "手机");
        }
    }

    @Test
    void multilingualMakesCjkBigramsAndStemsOnlyLatinWords() {
        try (Analyzer multi = TextAnalysis.create(TextAnalysis.MULTILINGUAL)) {
            assertThat(TextAnalysis.terms(multi, "text", "维生素C running shoes"))
                    .containsExactly("维生", "生素", "c", "run", "shoe");
            // Full-width Latin is folded, so ＡＢＣ matches abc.
            assertThat(TextAnalysis.terms(multi, "text", "ＡＢＣ")).containsExactly("abc");
            // A lone CJK character stays a unigram and is never touched by the stemmer.
            assertThat(TextAnalysis.terms(multi, "text", "s 水 es")).containsExactly("s", "水", "es");
        }
    }

    @Test
    void theLanguageChoosesTheAnalyzer() {
        assertThat(TextAnalysis.forLanguage("zh")).isEqualTo(TextAnalysis.SMARTCN);
        assertThat(TextAnalysis.forLanguage("zh-CN")).isEqualTo(TextAnalysis.SMARTCN);
        assertThat(TextAnalysis.forLanguage("EN_us")).isEqualTo(TextAnalysis.ENGLISH);
        assertThat(TextAnalysis.forLanguage("ja")).isEqualTo(TextAnalysis.MULTILINGUAL);
        assertThat(TextAnalysis.forLanguage(null)).isEqualTo(TextAnalysis.MULTILINGUAL);
        assertThat(TextAnalysis.forLanguage(" ")).isEqualTo(TextAnalysis.MULTILINGUAL);
    }

    @Test
    void theScriptOfASampleGuessesItsLanguage() {
        assertThat(TextAnalysis.guessLanguage("黑豹队的防守只丢了 308分，在联赛中排名第六 NFL")).isEqualTo("zh");
        assertThat(TextAnalysis.guessLanguage("The Panthers defense gave up just 308 points")).isEqualTo("en");
        assertThat(TextAnalysis.guessLanguage("Привет, как дела")).isNull();
        assertThat(TextAnalysis.guessLanguage("12345 !!")).isNull();
    }

    @Test
    void everyKnownNameCreatesAnAnalyzerAndAnUnknownOneIsNamedInTheError() {
        for (String name : TextAnalysis.names()) {
            try (Analyzer a = TextAnalysis.create(name)) {
                assertThat(TextAnalysis.terms(a, "text", "hello")).isNotEmpty();
            }
        }
        assertThatThrownBy(() -> TextAnalysis.create("klingon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'klingon'").hasMessageContaining(TextAnalysis.SMARTCN);
    }
}
