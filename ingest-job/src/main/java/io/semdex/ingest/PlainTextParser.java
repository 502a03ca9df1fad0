package io.semdex.ingest;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.List;

/** Reads plain text: paragraphs are separated by blank lines; line breaks inside a paragraph stay. */
final class PlainTextParser {

    private PlainTextParser() {}

    static ParsedDocument parse(SourceDocument doc, String text, String format) {
        return new ParsedDocument(doc, format, doc.title(), blocks(text));
    }

    static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : (text == null ? "" : text).split("\\R", -1)) {
            if (line.isBlank()) {
                add(paragraph, blocks);
            } else {
                paragraph.append(line).append('\n');
            }
        }
        add(paragraph, blocks);
        return blocks;
    }

    private static void add(StringBuilder paragraph, List<Block> blocks) {
        String text = Texts.prose(paragraph.toString());
        paragraph.setLength(0);
        if (!text.isEmpty()) {
            blocks.add(Block.paragraph(text));
        }
    }
}
