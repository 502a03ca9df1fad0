package io.semdex.ingest;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.List;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.parser.Parser;

/**
 * Reads HTML into blocks: a generic web page, a page of a Confluence space export, or Confluence
 * storage format (XHTML with {@code ac:}/{@code ri:} macros). Only the main content is kept:
 * navigation, breadcrumbs, headers, footers, scripts, styles, tables of contents and export
 * chrome are dropped before the text is read.
 */
final class HtmlParser {

    /** Where pages keep their main content, most specific first. */
    private static final List<String> MAIN = List.of(
            "#main-content", "main", "[role=main]", "article", "#content", ".content", "body");

    /** Page chrome: never content, wherever it sits. */
    private static final String CHROME = String.join(", ",
            "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button", "iframe",
            "object", "embed", "svg", "canvas", "select", "input", "textarea", "img", "video", "audio", "map",
            "header:not(:has(h1))", "[hidden]", "[aria-hidden=true]", "[role=navigation]", "[role=banner]",
            "[role=contentinfo]", "[role=search]", "[role=complementary]", ".breadcrumb", ".breadcrumbs",
            "#breadcrumbs", "#breadcrumb-section", ".navbar", ".sitemap", ".footer", "#footer", ".page-metadata",
            ".pageSection", "#likes-and-labels-container", ".toc-macro", "#toc", ".toc");

    private static final String BREADCRUMB_SEPARATORS = ">»›/|·→:\\";

    private HtmlParser() {}

    /**
     * @param storageFormat true for Confluence storage format, which is XHTML and read as XML
     * @param everyHeadingIsAQuestion true for FAQ documents
     */
    static ParsedDocument parse(SourceDocument doc, String html, boolean storageFormat, boolean everyHeadingIsAQuestion,
            String format) {
        Document dom = storageFormat
                ? Parser.xmlParser().parseInput(html, "")
                : Parser.htmlParser().parseInput(html, "");
        if (storageFormat || ConfluenceStorage.uses(dom)) {
            ConfluenceStorage.rewrite(dom);
        }
        String title = doc.title();
        if (title == null || title.isBlank()) {
            Element confluenceTitle = dom.selectFirst("#title-text");
            title = confluenceTitle == null ? null : confluenceTitle.text();
        }
        Element main = storageFormat ? dom : mainContent(dom);
        removeChrome(main);
        Outline outline = new Outline(title, everyHeadingIsAQuestion);
        HtmlBlocks.collect(main, outline);
        String finalTitle = outline.title();
        if (finalTitle == null && !storageFormat) {
            finalTitle = dom.title();
        }
        return new ParsedDocument(doc, format, finalTitle, outline.blocks());
    }

    /** Feeds an HTML fragment (an HTML block inside Markdown) into an outline that is being built. */
    static void collectFragment(String html, Outline outline) {
        Document dom = Parser.htmlParser().parseInput(html, "");
        if (ConfluenceStorage.uses(dom)) {
            ConfluenceStorage.rewrite(dom);
        }
        removeChrome(dom.body());
        HtmlBlocks.collect(dom.body(), outline);
    }

    /**
     * The first main-content candidate that holds a fair share of the page's text: a ".content"
     * card of three words on a long page is not the main content.
     */
    private static Element mainContent(Document dom) {
        Element body = dom.body();
        int total = body.text().length();
        for (String selector : MAIN) {
            Element candidate = dom.selectFirst(selector);
            if (candidate != null && candidate.text().length() * 3 >= total) {
                return candidate;
            }
        }
        return body;
    }

    private static void removeChrome(Element root) {
        root.select(CHROME).remove();
        List<Element> crumbs = new ArrayList<>();
        for (Element e : root.select("p, div, ol, ul")) {
            if (isBreadcrumbTrail(e) || isTableOfContents(e)) {
                crumbs.add(e);
            }
        }
        crumbs.forEach(Element::remove);
    }

    /** "FAQ > Using ActiveMQ > Priority queues": only links, joined by separator characters. */
    private static boolean isBreadcrumbTrail(Element e) {
        if (!e.normalName().equals("p") && !e.normalName().equals("div")) {
            return false;
        }
        int links = 0;
        boolean separator = false;
        for (Node child : e.childNodes()) {
            if (child instanceof Element el && el.normalName().equals("a")) {
                links++;
            } else if (child instanceof TextNode text) {
                String s = text.text().strip();
                for (int i = 0; i < s.length(); i++) {
                    if (BREADCRUMB_SEPARATORS.indexOf(s.charAt(i)) < 0) {
                        return false;
                    }
                    separator = true;
                }
            } else if (child instanceof Element) {
                return false;
            }
        }
        return links >= 2 && separator;
    }

    /** A list whose items are all links to anchors on this page. */
    private static boolean isTableOfContents(Element list) {
        if (!list.normalName().equals("ul") && !list.normalName().equals("ol")) {
            return false;
        }
        var links = list.select("a");
        if (links.isEmpty()) {
            return false;
        }
        StringBuilder linkText = new StringBuilder();
        for (Element a : links) {
            if (!a.attr("href").startsWith("#")) {
                return false;
            }
            linkText.append(a.text());
        }
        return Texts.key(linkText.toString()).equals(Texts.key(list.text()));
    }
}
