package io.semdex.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * Rewrites Confluence storage format ({@code ac:} macros, {@code ri:} resource identifiers) into
 * plain HTML that {@link HtmlBlocks} reads: code macros become {@code <pre>}, panels and expands
 * keep their title and body, links become their text, and macros that only render navigation or
 * other pages (table of contents, children, attachments, Jira lists) are dropped.
 */
final class ConfluenceStorage {

    /** Macros that render no text of this page. */
    private static final Set<String> DROPPED = Set.of(
            "toc", "children", "pagetree", "pagetreesearch", "recently-updated", "attachments", "contentbylabel",
            "content-by-label", "livesearch", "gallery", "profile", "profile-picture", "anchor", "jira", "jiraissues",
            "viewfile", "view-file", "multimedia", "widget", "roadmap", "create-from-template", "blog-posts",
            "space-details", "index", "excerpt-include", "include", "popular-labels", "related-labels",
            "recently-used-labels", "listlabels", "network", "spaces", "create-space-button", "page-index");

    private static final Set<String> CODE = Set.of("code", "noformat", "code-block", "codeblock", "html", "sql");

    /** Storage elements that carry metadata, not text. */
    private static final Set<String> METADATA = Set.of(
            "ac:parameter", "ac:placeholder", "ac:image", "ac:emoticon", "ri:user", "ac:task-id", "ac:task-uuid",
            "ac:task-status", "ac:adf-attribute", "ac:default-parameter");

    private ConfluenceStorage() {}

    static boolean uses(Element root) {
        for (Element e : root.getAllElements()) {
            String tag = e.normalName();
            if (tag.startsWith("ac:") || tag.startsWith("ri:")) {
                return true;
            }
        }
        return false;
    }

    static void rewrite(Element root) {
        List<Element> macros = new ArrayList<>();
        List<Element> links = new ArrayList<>();
        for (Element e : root.getAllElements()) {
            switch (e.normalName()) {
                case "ac:structured-macro", "ac:macro" -> macros.add(e);
                case "ac:link" -> links.add(e);
                default -> { }
            }
        }
        // Inner elements first, so a code macro inside an expand is already a <pre> when the expand is unwrapped.
        for (int i = links.size() - 1; i >= 0; i--) {
            Element link = links.get(i);
            link.replaceWith(new TextNode(linkText(link)));
        }
        for (int i = macros.size() - 1; i >= 0; i--) {
            macro(macros.get(i));
        }
        List<Element> rest = new ArrayList<>(root.getAllElements());
        for (int i = rest.size() - 1; i >= 0; i--) {
            Element e = rest.get(i);
            if (e == root || e.parent() == null) {
                continue;
            }
            String tag = e.normalName();
            if (METADATA.contains(tag)) {
                e.remove();
            } else if (tag.equals("ac:task-list")) {
                e.tagName("ul");
            } else if (tag.equals("ac:task")) {
                e.tagName("li");
            } else if (tag.equals("ac:layout-cell") || tag.equals("ac:layout-section") || tag.equals("ac:rich-text-body")) {
                e.tagName("div");
            } else if (tag.startsWith("ac:") || tag.startsWith("ri:")) {
                e.unwrap();
            }
        }
    }

    private static void macro(Element macro) {
        String name = macro.attr("ac:name").toLowerCase(Locale.ROOT);
        Element plain = child(macro, "ac:plain-text-body");
        Element rich = child(macro, "ac:rich-text-body");
        if (DROPPED.contains(name)) {
            macro.remove();
            return;
        }
        if (name.equals("status")) {
            macro.replaceWith(new TextNode(parameter(macro, "title")));
            return;
        }
        if (CODE.contains(name) || rich == null && plain != null) {
            if (plain == null) {
                macro.remove();
                return;
            }
            Element pre = new Element("pre");
            pre.appendChild(new TextNode(plain.wholeText()));
            macro.replaceWith(pre);
            return;
        }
        Element div = new Element("div");
        String title = parameter(macro, "title");
        if (!title.isBlank()) {
            div.appendElement("p").appendChild(new TextNode(title));
        }
        if (rich != null) {
            for (Node n : new ArrayList<>(rich.childNodes())) {
                div.appendChild(n);
            }
        }
        if (div.childNodeSize() == 0) {
            macro.remove();
        } else {
            macro.replaceWith(div);
        }
    }

    private static String linkText(Element link) {
        for (Element child : link.children()) {
            String tag = child.normalName();
            if ((tag.equals("ac:plain-text-link-body") || tag.equals("ac:link-body")) && !child.text().isBlank()) {
                return child.text();
            }
        }
        for (Element child : link.children()) {
            for (String attribute : List.of("ri:content-title", "ri:filename", "ri:value", "ri:space-key")) {
                if (child.hasAttr(attribute)) {
                    return child.attr(attribute);
                }
            }
        }
        return "";
    }

    private static String parameter(Element macro, String name) {
        for (Element child : macro.children()) {
            if (child.normalName().equals("ac:parameter") && child.attr("ac:name").equalsIgnoreCase(name)) {
                return child.text();
            }
        }
        return "";
    }

    private static Element child(Element parent, String tag) {
        for (Element child : parent.children()) {
            if (child.normalName().equals(tag)) {
                return child;
            }
        }
        return null;
    }
}
