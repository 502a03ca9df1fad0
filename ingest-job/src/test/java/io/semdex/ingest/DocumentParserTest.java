package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.semdex.core.SourceDocument;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentParserTest {

    private static SourceDocument doc(String title, String body, String format, List<SourceDocument.FaqEntry> faq,
            Map<String, Object> fields) {
        return new SourceDocument("d", title, body, format, null, null, null, null, faq, fields);
    }

    @Test
    void detectsTheFormatWhenNoneIsGiven() {
        assertThat(FormatDetector.detect(doc(null, "<p>hi</p>", null, List.of(), Map.of()))).isEqualTo("html");
        assertThat(FormatDetector.detect(doc(null, "<ac:structured-macro ac:name=\"toc\"/>", null, List.of(), Map.of()))).isEqualTo("confluence");
        assertThat(FormatDetector.detect(doc(null, "# Title\n\n- item", null, List.of(), Map.of()))).isEqualTo("markdown");
        assertThat(FormatDetector.detect(doc(null, "Just a sentence. And another.", null, List.of(), Map.of()))).isEqualTo("text");
        assertThat(FormatDetector.detect(doc(null, null, null, List.of(new SourceDocument.FaqEntry("q?", "a")), Map.of()))).isEqualTo("faq");
        assertThat(FormatDetector.detect(doc("Shoe", "Light.", null, List.of(), Map.of("brand", "ACME")))).isEqualTo("product");
        assertThat(FormatDetector.detect(doc(null, "<p>x</p>", "text", List.of(), Map.of()))).as("a given format wins").isEqualTo("text");
        assertThat(FormatDetector.ofFileName("a/b/Page.HTML")).isEqualTo("html");
        assertThat(FormatDetector.ofFileName("notes.md")).isEqualTo("markdown");
        assertThat(FormatDetector.ofFileName("data.csv")).isNull();
    }

    @Test
    void faqEntriesAreLedByTheirQuestionAndAFaqPagesHeadingsAreQuestions() {
        ParsedDocument faq = DocumentParser.parse(doc("Shipping FAQ", """
                <h2>Delivery times</h2><p>Two days in town.</p><p>A week abroad.</p>
                <h2>Customs</h2><p>Duties are paid on arrival.</p>""", "faq",
                List.of(new SourceDocument.FaqEntry("Can I change my address?", "Yes, until the parcel ships.")), Map.of()));
        assertThat(faq.blocks()).extracting(Block::lead, Block::text).containsExactly(
                tuple("Can I change my address?", "Yes, until the parcel ships."),
                tuple("Delivery times", "Two days in town."),
                tuple("Delivery times", "A week abroad."),
                tuple("Customs", "Duties are paid on arrival."));
    }

    @Test
    void aQuestionHeadingLeadsItsAnswerInAnyPage() {
        ParsedDocument page = DocumentParser.parse(doc(null, """
                # FAQ

                # How much does it cost?

                It is free.

                ## Hardware

                You pay for your own servers.
                """, "markdown", List.of(), Map.of()));
        assertThat(page.title()).isEqualTo("FAQ");
        assertThat(page.blocks()).extracting(Block::lead, Block::headingPath, Block::text).containsExactly(
                tuple("How much does it cost?", List.of(), "It is free."),
                tuple("How much does it cost?", List.of("Hardware"), "You pay for your own servers."));
    }

    @Test
    void aProductIsATitleAndKeyAttributesRecordThenItsDescription() {
        ParsedDocument product = DocumentParser.parse(doc("女式透气缓震跑鞋", "轻便网面鞋面。\n\n适合长跑。", null, List.of(),
                Map.of("brand", "ACME", "category", "跑鞋", "color", "粉色", "price", 59.9, "sku", "A-123",
                        "image", "https://img.example/1.jpg", "in_stock", "true", "tags", List.of("run", "women"))));
        assertThat(product.format()).isEqualTo("product");
        assertThat(product.blocks()).extracting(Block::kind, Block::text).containsExactly(
                tuple(Block.Kind.RECORD, "女式透气缓震跑鞋\nBrand: ACME; Category: 跑鞋; Color: 粉色; Sku: A-123; Tags: run, women"),
                tuple(Block.Kind.PARAGRAPH, "轻便网面鞋面。"),
                tuple(Block.Kind.PARAGRAPH, "适合长跑。"));
    }
}
