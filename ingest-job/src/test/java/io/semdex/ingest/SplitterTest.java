package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SplitterTest {

    @Test
    void splitsChineseAtChineseSentenceEnds() {
        assertThat(SentenceSplitter.split("苹果很甜。香蕉含钾高！你喜欢哪种水果？我都喜欢"))
                .containsExactly("苹果很甜。", "香蕉含钾高！", "你喜欢哪种水果？", "我都喜欢");
    }

    @Test
    void splitsEnglishAtSentenceEndsButNotAtDecimalPoints() {
        assertThat(SentenceSplitter.split("The price is 59.9 dollars. Is it cheap? Yes! It ships today."))
                .containsExactly("The price is 59.9 dollars.", "Is it cheap?", "Yes!", "It ships today.");
    }

    @Test
    void splitsMixedChineseAndEnglish() {
        assertThat(SentenceSplitter.split("Transformer 架构的核心是自注意力机制。It was introduced in 2017."))
                .containsExactly("Transformer 架构的核心是自注意力机制。", "It was introduced in 2017.");
    }

    @Test
    void packsSentencesUpToTheBudgetAndNeverAcrossParagraphs() {
        Splitter splitter = new Splitter(12, TokenCounter.approximate());
        SourceDocument doc = SourceDocument.ofText("d", "一二三四五。六七八九十。甲乙丙丁戊。\n\n己庚辛。");
        List<Unit> units = splitter.split(doc);
        assertThat(units).extracting(Unit::text).containsExactly("一二三四五。六七八九十。", "甲乙丙丁戊。", "己庚辛。");
        assertThat(units).extracting(Unit::unitId).containsExactly("d#0", "d#1", "d#2");
    }

    @Test
    void keepsAFaqQuestionWithItsAnswer() {
        SourceDocument doc = new SourceDocument("faq-1", "Shipping", null, "faq", null, null, null, null,
                List.of(new SourceDocument.FaqEntry("How long does delivery take?", "Usually two days.")), Map.of());
        List<Unit> units = Splitter.withDefaults().split(doc);
        assertThat(units).hasSize(1);
        assertThat(units.get(0).text()).isEqualTo("How long does delivery take? Usually two days.");
        assertThat(units.get(0).embeddingInput()).startsWith("Shipping\n");
    }

    @Test
    void cutsASentenceThatAloneExceedsTheBudget() {
        Splitter splitter = new Splitter(10, TokenCounter.approximate());
        String longSentence = "字".repeat(35) + "。";
        List<Unit> units = splitter.split(SourceDocument.ofText("d", longSentence));
        assertThat(units).hasSizeGreaterThan(3);
        assertThat(String.join("", units.stream().map(Unit::text).toList())).isEqualTo(longSentence);
        assertThat(units).allSatisfy(u -> assertThat(TokenCounter.approximate().count(u.text())).isLessThanOrEqualTo(10));
    }

    @Test
    void randomTextIsCoveredInOrderWithinBudgetAndSplitsTheSameWayTwice() {
        Random random = new Random(42);
        String[] words = {"苹果", "香蕉", "apple", "banana", "很好吃", "is", "sweet", "维生素C", "42"};
        String[] ends = {"。", "！", "？", ".", "!", "?", "；"};
        TokenCounter counter = TokenCounter.approximate();
        for (int round = 0; round < 200; round++) {
            StringBuilder text = new StringBuilder();
            int sentences = 1 + random.nextInt(30);
            for (int s = 0; s < sentences; s++) {
                int n = 1 + random.nextInt(25);
                for (int w = 0; w < n; w++) {
                    text.append(words[random.nextInt(words.length)]).append(random.nextBoolean() ? " " : "");
                }
                text.append(ends[random.nextInt(ends.length)]).append(random.nextInt(5) == 0 ? "\n\n" : " ");
            }
            int budget = 8 + random.nextInt(60);
            Splitter splitter = new Splitter(budget, counter);
            SourceDocument doc = SourceDocument.ofText("doc-" + round, text.toString());
            List<Unit> units = splitter.split(doc);
            assertThat(nonSpace(String.join("", units.stream().map(Unit::text).toList())))
                    .as("round %d keeps every character in order", round).isEqualTo(nonSpace(text.toString()));
            assertThat(units).allSatisfy(u -> assertThat(counter.count(u.text())).isLessThanOrEqualTo(budget));
            assertThat(splitter.split(doc)).isEqualTo(units);
        }
    }

    @Test
    void unitHashesChangeOnlyWithTheirText() {
        Splitter splitter = new Splitter(10, TokenCounter.approximate());
        List<Unit> before = splitter.split(SourceDocument.ofText("d", "第一段内容。\n\n第二段内容。"));
        List<Unit> after = splitter.split(SourceDocument.ofText("d", "第一段内容。\n\n第二段改了。"));
        assertThat(after.get(0).hash()).isEqualTo(before.get(0).hash());
        assertThat(after.get(1).hash()).isNotEqualTo(before.get(1).hash());
    }

    private static String nonSpace(String s) {
        return s.replaceAll("\\s+", "");
    }
}
