package io.semdex.ingest;

import io.semdex.core.SourceDocument;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Chooses the parser for a document whose {@code format} is not given. */
public final class FormatDetector {

    /** Fields that mark a catalog record. */
    private static final Set<String> PRODUCT_FIELDS = Set.of("brand", "sku", "price", "品牌", "价格");

    private FormatDetector() {}

    /** The given format, or the detected one: faq, product, confluence, html, markdown or text. */
    public static String detect(SourceDocument doc) {
        if (doc.format() != null) {
            return doc.format();
        }
        if (isCatalogRecord(doc.fields())) {
            return "product";
        }
        if (!doc.faq().isEmpty()) {
            return "faq";
        }
        return markup(doc.body());
    }

    /** Whether fields such as brand, SKU or price mark a document as a catalog record. */
    public static boolean isCatalogRecord(Map<String, ?> fields) {
        return fields.keySet().stream().anyMatch(k -> PRODUCT_FIELDS.contains(k.toLowerCase(Locale.ROOT)));
    }

    /** How a body is written: confluence (storage format), html, markdown or text. */
    public static String markup(String body) {
        if (body == null || body.isBlank()) {
            return "text";
        }
        String s = body.stripLeading();
        if (s.startsWith("\uFEFF")) {
            s = s.substring(1).stripLeading();
        }
        if (s.startsWith("<")) {
            return s.contains("<ac:") || s.contains("<ri:") ? "confluence" : "html";
        }
        return MarkdownParser.looksLikeMarkdown(body) ? "markdown" : "text";
    }

    /** The format a file's extension names, or null when the extension says nothing. */
    public static String ofFileName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".html") || lower.endsWith(".htm") || lower.endsWith(".xhtml")) {
            return "html";
        }
        if (lower.endsWith(".md") || lower.endsWith(".markdown")) {
            return "markdown";
        }
        if (lower.endsWith(".txt")) {
            return "text";
        }
        return null;
    }
}
