package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Invariants of the splitter over randomly generated structured documents. */
class SplitterPropertiesTest {

    private static final String[] WORDS = {"苹果", "香蕉", "apple", "banana", "很好吃", "is", "sweet", "维生素C", "42",
            "configuration", "消息队列", "broker", "优先级", "priority", "x"};
    private static final String[] ENDS = {"。", "！", "？", ".", "!", "?"};
    private static final String[] CLAUSE = {"，", "；", ", ", "; ", "：", ""};
    private static final TokenCounter COUNTER = TokenCounter.approximate();

    @Test
    void unitsCoverEveryBlockInOrderWithinBudgetAndNeverCutASentenceThatFits() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            int budget = 8 + random.nextInt(120);
            Splitter splitter = new Splitter(budget, COUNTER);
            ParsedDocument doc = randomDocument(random, "doc-" + round);
            List<Unit> units = splitter.split(doc);
            String where = "round " + round + ", budget " + budget;

            int longest = units.stream().mapToInt(u -> COUNTER.count(u.text())).max().orElse(0);
            assertThat(longest).as(where).isLessThanOrEqualTo(budget);
            assertThat(units).extracting(Unit::ordinal).as(where).containsExactlyElementsOf(range(units.size()));
            assertThat(units.stream().allMatch(u -> u.unitId().equals(doc.source().id() + "#" + u.ordinal()))).isTrue();

            // Nothing lost, nothing duplicated, order kept: the units' text without leads and code
            // fences is the blocks' text, character for character (whitespace aside).
            StringBuilder expected = new StringBuilder();
            for (Block b : doc.blocks()) {
                expected.append(b.text());
            }
            StringBuilder actual = new StringBuilder();
            for (Unit u : units) {
                actual.append(withoutLead(u, doc).replace("```", ""));
            }
            assertThat(nonSpace(actual)).as(where).isEqualTo(nonSpace(expected));

            // A sentence that fits the budget (with its lead) is never cut.
            for (Block b : doc.blocks()) {
                if (b.kind() == Block.Kind.CODE) {
                    continue;
                }
                for (String sentence : SentenceSplitter.split(b.text())) {
                    String led = b.lead() == null ? sentence : b.lead() + " " + sentence;
                    if (COUNTER.count(led) + 1 < budget && COUNTER.count(b.lead() == null ? "" : b.lead()) <= budget / 2) {
                        boolean whole = units.stream().anyMatch(u -> u.text().contains(sentence));
                        assertThat(whole).as("%s: sentence '%s' whole in one unit", where, sentence).isTrue();
                    }
                }
            }

            // Stable: the same document splits into the same units, also after the splitter travels to a task.
            assertThat(splitter.split(doc)).as(where).isEqualTo(units);
            assertThat(roundTrip(splitter).split(doc)).as(where).isEqualTo(units);
        }
    }

    @Test
    void headingPathsTravelWithUnitsAndUnitsNeverCrossAHeading() {
        Random random = new Random(11);
        for (int round = 0; round < 100; round++) {
            ParsedDocument doc = randomDocument(random, "h-" + round);
            List<Unit> units = new Splitter(8 + random.nextInt(80), COUNTER).split(doc);
            List<List<String>> blockPaths = doc.blocks().stream().map(Block::headingPath).distinct().toList();
            List<List<String>> unitPaths = units.stream().map(Unit::headingPath).distinct().toList();
            assertThat(unitPaths).as("round %d", round).containsExactlyElementsOf(blockPaths);
        }
    }

    @Test
    void aLongFaqAnswerIsSplitAndEveryPartCarriesTheQuestion() {
        String question = "How do I make a queue deliver high priority messages first?";
        String answer = "Enable prioritized messages on the destination policy. ".repeat(40);
        SourceDocument doc = new SourceDocument("faq-9", "Broker FAQ", null, "faq", null, null, null, null,
                List.of(new SourceDocument.FaqEntry(question, answer)), Map.of());
        Splitter splitter = new Splitter(60, COUNTER);
        List<Unit> units = splitter.split(doc);
        assertThat(units).hasSizeGreaterThan(5)
                .allSatisfy(u -> assertThat(u.text()).startsWith(question + " "))
                .allSatisfy(u -> assertThat(COUNTER.count(u.text())).isLessThanOrEqualTo(60));
        String answers = String.join("", units.stream().map(u -> u.text().substring(question.length())).toList());
        assertThat(nonSpace(answers)).isEqualTo(nonSpace(answer));
    }

    @Test
    void aProductTooLongToReadWholeIsTitleAndAttributesFollowedByDescriptionUnits() {
        SourceDocument doc = new SourceDocument("sku-1", "Women's breathable running shoes", "Light mesh upper. Cushioned sole. "
                .repeat(12), "product", null, "catalog", "en", null, List.of(), Map.of("brand", "ACME", "color", "pink"));
        List<Unit> units = new Splitter(40, 60, COUNTER).split(doc);
        assertThat(units.getFirst().text()).isEqualTo("Women's breathable running shoes\nBrand: ACME; Color: pink");
        assertThat(units.subList(1, units.size())).hasSizeGreaterThan(1)
                .allSatisfy(u -> assertThat(u.text()).doesNotContain("ACME"))
                .allSatisfy(u -> assertThat(u.embeddingInput()).startsWith("Women's breathable running shoes\n"));
    }

    @Test
    void aProductTheModelCanReadWholeIsOneUnit() {
        String description = "Light mesh upper. Cushioned sole. ".repeat(12).strip();
        SourceDocument doc = new SourceDocument("sku-1", "Women's breathable running shoes", description,
                "product", null, "catalog", "en", null, List.of(), Map.of("brand", "ACME", "color", "pink"));
        List<Unit> units = new Splitter(40, COUNTER).split(doc); // running text would split at 40 tokens
        assertThat(units).singleElement().satisfies(u -> {
            assertThat(u.text()).startsWith("Women's breathable running shoes\nBrand: ACME; Color: pink\n").endsWith(description);
            assertThat(u.unitId()).isEqualTo("sku-1#0");
        });
    }

    @Test
    void codeIsCutAtLineEndsAndMarkedAsCode() {
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            code.append("  <policyEntry queue=\"q").append(i).append("\" prioritizedMessages=\"true\"/>\n");
        }
        ParsedDocument doc = new ParsedDocument(SourceDocument.ofText("c", "x"), "html", null,
                List.of(new Block(Block.Kind.CODE, List.of("Config"), null, code.toString().stripTrailing())));
        List<Unit> units = new Splitter(64, COUNTER).split(doc);
        assertThat(units).hasSizeGreaterThan(3).allSatisfy(u -> {
            assertThat(u.text()).startsWith("```\n").endsWith("\n```");
            assertThat(u.text().lines().skip(1).filter(l -> !l.equals("```"))).allSatisfy(l -> assertThat(l).startsWith("  <policyEntry"));
        });
    }

    private static ParsedDocument randomDocument(Random random, String id) {
        List<Block> blocks = new ArrayList<>();
        List<String> path = List.of();
        String lead = null;
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                path = random.nextBoolean() ? List.of("H" + i) : List.of("H" + i, "Sub " + i);
                lead = random.nextInt(3) == 0 ? "Question " + i + "?" : null;
            }
            Block.Kind kind = Block.Kind.values()[random.nextInt(4)];
            String text = kind == Block.Kind.CODE ? randomCode(random) : randomProse(random);
            blocks.add(new Block(kind, path, lead, text));
        }
        return new ParsedDocument(SourceDocument.ofText(id, "unused"), "text", "Title " + id, blocks);
    }

    private static String randomProse(Random random) {
        StringBuilder text = new StringBuilder();
        int sentences = 1 + random.nextInt(8);
        for (int s = 0; s < sentences; s++) {
            int words = 1 + random.nextInt(random.nextInt(10) == 0 ? 80 : 15);
            for (int w = 0; w < words; w++) {
                text.append(WORDS[random.nextInt(WORDS.length)]);
                text.append(random.nextInt(6) == 0 ? CLAUSE[random.nextInt(CLAUSE.length)] : random.nextBoolean() ? " " : "");
            }
            text.append(ENDS[random.nextInt(ENDS.length)]).append(' ');
        }
        return text.toString().strip();
    }

    private static String randomCode(Random random) {
        StringBuilder code = new StringBuilder();
        int lines = 1 + random.nextInt(10);
        for (int l = 0; l < lines; l++) {
            code.append("  ".repeat(random.nextInt(3))).append("call(").append(WORDS[random.nextInt(WORDS.length)])
                    .append(", ").append(random.nextInt(1000)).append(");\n");
        }
        return code.toString().stripTrailing();
    }

    private static String withoutLead(Unit unit, ParsedDocument doc) {
        for (Block b : doc.blocks()) {
            if (b.lead() != null && b.headingPath().equals(unit.headingPath()) && unit.text().startsWith(b.lead())) {
                return unit.text().substring(b.lead().length());
            }
        }
        return unit.text();
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    private static String nonSpace(CharSequence s) {
        return s.toString().replaceAll("\\s+", "");
    }

    private static Splitter roundTrip(Splitter splitter) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(splitter);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Splitter) in.readObject();
        }
    }
}
