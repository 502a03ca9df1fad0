package io.semdex.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * Walks an HTML element tree in reading order and feeds an {@link Outline}: headings, paragraphs,
 * list items, table rows (as readable "header: value" rows) and code blocks. Inline markup is
 * flattened to its text. The walk is iterative, so a deeply nested page cannot overflow the stack.
 */
final class HtmlBlocks implements NodeFilter {

    private static final Set<String> BLOCKS = Set.of(
            "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl",
            "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "li",
            "main", "nav", "ol", "p", "section", "summary", "ul", "caption", "tbody", "thead", "tfoot", "tr", "td",
            "th", "menu", "legend", "option");

    private final Outline outline;
    private final StringBuilder inline = new StringBuilder();
    private String marker = "";
    private int openItems;

    private HtmlBlocks(Outline outline) {
        this.outline = outline;
    }

    /** Feeds everything under {@code root} into {@code outline}. */
    static void collect(Node root, Outline outline) {
        HtmlBlocks blocks = new HtmlBlocks(outline);
        NodeTraversor.filter(blocks, root);
        blocks.flush();
    }

    @Override
    public FilterResult head(Node node, int depth) {
        if (node instanceof TextNode text) {
            // In HTML a line end in the source is a space; only <br> breaks a line.
            String whole = text.getWholeText();
            for (int i = 0; i < whole.length(); i++) {
                char c = whole.charAt(i);
                inline.append(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
            }
            return FilterResult.CONTINUE;
        }
        if (!(node instanceof Element element)) {
            return FilterResult.SKIP_ENTIRELY; // comments, script data, doctype
        }
        String tag = element.normalName();
        switch (tag) {
            case "h1", "h2", "h3", "h4", "h5", "h6" -> {
                flush();
                outline.heading(tag.charAt(1) - '0', element.text());
                return FilterResult.SKIP_ENTIRELY;
            }
            case "pre", "xmp", "listing" -> {
                flush();
                outline.add(Block.Kind.CODE, element.wholeText());
                return FilterResult.SKIP_ENTIRELY;
            }
            case "table" -> {
                flush();
                table(element);
                return FilterResult.SKIP_ENTIRELY;
            }
            case "br" -> {
                inline.append('\n');
                return FilterResult.CONTINUE;
            }
            case "li" -> {
                flush();
                openItems++;
                marker = marker(element);
                return FilterResult.CONTINUE;
            }
            case "dt" -> {
                flush();
                outline.term(element.text());
                return FilterResult.SKIP_ENTIRELY;
            }
            default -> {
                if (BLOCKS.contains(tag)) {
                    flush();
                }
                return FilterResult.CONTINUE;
            }
        }
    }

    @Override
    public FilterResult tail(Node node, int depth) {
        if (node instanceof Element element) {
            String tag = element.normalName();
            if (BLOCKS.contains(tag)) {
                flush();
            }
            if (tag.equals("li")) {
                openItems--;
            } else if (tag.equals("dl")) {
                outline.endTerms();
            }
        }
        return FilterResult.CONTINUE;
    }

    private void flush() {
        String text = Texts.prose(inline.toString());
        inline.setLength(0);
        if (text.isEmpty()) {
            return;
        }
        outline.add(openItems > 0 ? Block.Kind.LIST_ITEM : Block.Kind.PARAGRAPH, marker + text);
        marker = "";
    }

    private static String marker(Element li) {
        Element list = li.parent();
        if (list != null && list.normalName().equals("ol")) {
            int start = 1;
            try {
                start = Integer.parseInt(list.attr("start").strip());
            } catch (NumberFormatException e) {
                // no or bad start attribute: HTML counts from 1
            }
            return (start + li.elementSiblingIndex()) + ". ";
        }
        return "- ";
    }

    /** Rows become "header: value; header: value" when the table has a header row, else "a | b | c". */
    private void table(Element table) {
        for (Element child : table.children()) {
            if (child.normalName().equals("caption")) {
                outline.add(Block.Kind.PARAGRAPH, child.text());
            }
        }
        List<String> header = null;
        boolean anyRow = false;
        for (Element row : table.select("tr")) {
            if (row.closest("table") != table) {
                continue; // a nested table's row: part of its cell's text
            }
            List<Element> cells = new ArrayList<>();
            for (Element cell : row.children()) {
                if (cell.normalName().equals("td") || cell.normalName().equals("th")) {
                    cells.add(cell);
                }
            }
            if (cells.isEmpty()) {
                continue;
            }
            boolean allHeaders = cells.stream().allMatch(c -> c.normalName().equals("th"));
            boolean inHead = row.parent() != null && row.parent().normalName().equals("thead");
            List<String> texts = cells.stream().map(c -> Texts.prose(c.text()).replace('\n', ' ')).toList();
            if (header == null && !anyRow && (allHeaders || inHead) && cells.size() > 1) {
                header = texts;
                continue;
            }
            anyRow = true;
            outline.add(Block.Kind.TABLE_ROW, row(header, texts, cells.getFirst().normalName().equals("th")));
        }
        if (header != null && !anyRow) {
            outline.add(Block.Kind.TABLE_ROW, String.join(" | ", header));
        }
    }

    private static String row(List<String> header, List<String> cells, boolean rowHeader) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            if (cell.isEmpty()) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append(header != null ? "; " : rowHeader && i == 1 ? ": " : " | ");
            }
            if (header != null && i < header.size() && !header.get(i).isEmpty()) {
                out.append(header.get(i)).append(": ");
            }
            out.append(cell);
        }
        return out.toString();
    }
}
