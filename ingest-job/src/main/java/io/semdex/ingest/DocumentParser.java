package io.semdex.ingest;

import io.semdex.core.InvalidDocumentException;
import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a document's body by its format ({@code text | markdown | html | confluence | faq | product},
 * detected when absent) into a {@link ParsedDocument}. A body that no parser can read raises an
 * {@link InvalidDocumentException}, so the record is dead-lettered instead of stopping the job.
 *
 * <pre>{@code
 * ParsedDocument page = DocumentParser.parse(doc);   // blocks with heading paths, chrome removed
 * List<Unit> units = splitter.split(page);
 * }</pre>
 */
public final class DocumentParser {

    private DocumentParser() {}

    public static ParsedDocument parse(SourceDocument doc) {
        String format = FormatDetector.detect(doc);
        try {
            return switch (format) {
                case "faq" -> faq(doc);
                case "product" -> ProductParser.parse(doc);
                default -> parseMarkup(doc, doc.body(), format, false);
            };
        } catch (InvalidDocumentException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // A parser bug or a pathological body must cost one record, not the job.
            throw new InvalidDocumentException("cannot parse the " + format + " body: " + e);
        }
    }

    static ParsedDocument parseMarkup(SourceDocument doc, String body, String format, boolean faq) {
        String text = body == null ? "" : body;
        return switch (format) {
            case "html" -> HtmlParser.parse(doc, text, false, faq, format);
            case "confluence" -> HtmlParser.parse(doc, text, true, faq, format);
            case "markdown" -> MarkdownParser.parse(doc, text, faq, format);
            case "text" -> PlainTextParser.parse(doc, text, format);
            default -> throw new InvalidDocumentException("no parser for format '" + format + "'");
        };
    }

    /**
     * Question/answer pairs from the {@code faq} field, each answer read as the markup it is
     * written in and led by its question; then the body, whose headings are all questions.
     */
    private static ParsedDocument faq(SourceDocument doc) {
        List<Block> blocks = new ArrayList<>();
        for (SourceDocument.FaqEntry entry : doc.faq()) {
            String question = Texts.prose(entry.q()).replace('\n', ' ');
            List<Block> answer = parseMarkup(doc, entry.a(), FormatDetector.markup(entry.a()), false).blocks();
            if (answer.isEmpty()) {
                blocks.add(Block.paragraph(question));
            }
            for (Block block : answer) {
                blocks.add(question.isEmpty() ? block : block.withLead(question));
            }
        }
        String title = doc.title();
        if (doc.body() != null && !doc.body().isBlank()) {
            ParsedDocument body = parseMarkup(doc, doc.body(), FormatDetector.markup(doc.body()), true);
            blocks.addAll(body.blocks());
            title = body.title();
        }
        return new ParsedDocument(doc, "faq", title, blocks);
    }
}
