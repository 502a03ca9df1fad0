package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.semdex.core.SourceDocument;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HtmlParserTest {

    static SourceDocument doc(String format, String body) {
        return new SourceDocument("d", null, body, format, null, null, null, null, List.of(), Map.of());
    }

    static List<String> texts(ParsedDocument parsed) {
        return parsed.blocks().stream().map(Block::text).toList();
    }

    static String allText(ParsedDocument parsed) {
        return String.join("\n", texts(parsed));
    }

    @Test
    void keepsTheMainContentAndDropsSiteChrome() {
        ParsedDocument page = DocumentParser.parse(doc("html", """
                <!DOCTYPE html><html><head><title>Shop - Help</title><style>p{color:red}</style>
                <script>var tracking = 1;</script></head><body>
                <header><a href="/">Home</a> <a href="/help">Help</a></header>
                <nav><ul><li><a href="/a">Products</a></li><li><a href="/b">Sign in</a></li></ul></nav>
                <div class="content"><h1>Returns</h1>
                  <p><a href="/help">Help</a> &gt; <a href="/help/orders">Orders</a> &gt; <a href="/help/returns">Returns</a></p>
                  <p>You can return any item within <b>30 days</b>.</p>
                  <aside>Related: gift cards</aside>
                </div>
                <footer><p>Copyright 2026 Shop Inc.</p></footer></body></html>"""));
        assertThat(page.title()).isEqualTo("Returns");
        assertThat(texts(page)).containsExactly("You can return any item within 30 days.");
        assertThat(allText(page)).doesNotContain("tracking", "Products", "Sign in", "Copyright", "Orders", "gift cards", "color");
    }

    @Test
    void headingsBecomeTheContextOfTheBlocksBelowThem() {
        ParsedDocument page = DocumentParser.parse(doc("html", """
                <h1>Broker guide</h1><p>Intro.</p>
                <h2>Storage</h2><p>KahaDB is the default.</p>
                <h3>Tuning</h3><p>Raise the journal size.</p>
                <h2>Networking</h2><p>Use TCP.</p>"""));
        assertThat(page.title()).isEqualTo("Broker guide");
        assertThat(page.blocks()).extracting(Block::headingPath).containsExactly(
                List.of(), List.of("Storage"), List.of("Storage", "Tuning"), List.of("Networking"));
    }

    @Test
    void keepsListsTablesAndCodeBlocksReadable() {
        ParsedDocument page = DocumentParser.parse(doc("html", """
                <p>Steps:</p>
                <ol><li>Stop the broker</li><li>Copy <code>activemq.xml</code>
                  <ul><li>keep a backup</li></ul></li></ol>
                <table><caption>Ports</caption>
                  <thead><tr><th>Protocol</th><th>Port</th></tr></thead>
                  <tbody><tr><td>OpenWire</td><td>61616</td></tr><tr><td>STOMP</td><td>61613</td></tr></tbody></table>
                <pre><code>&lt;broker useJmx="true"&gt;
                  &lt;transportConnectors/&gt;
                &lt;/broker&gt;</code></pre>
                <dl><dt>Queue</dt><dd>Point to point.</dd><dt>Topic</dt><dd>Publish and subscribe.</dd></dl>"""));
        assertThat(page.blocks()).extracting(Block::kind, Block::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Block.Kind.PARAGRAPH, "Steps:"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.LIST_ITEM, "1. Stop the broker"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.LIST_ITEM, "2. Copy activemq.xml"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.LIST_ITEM, "- keep a backup"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.PARAGRAPH, "Ports"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.TABLE_ROW, "Protocol: OpenWire; Port: 61616"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.TABLE_ROW, "Protocol: STOMP; Port: 61613"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.CODE, "<broker useJmx=\"true\">\n  <transportConnectors/>\n</broker>"),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.PARAGRAPH, "Point to point."),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.PARAGRAPH, "Publish and subscribe."));
        assertThat(page.blocks().get(8).lead()).isEqualTo("Queue");
        assertThat(page.blocks().get(9).lead()).isEqualTo("Topic");
    }

    @Test
    void readsAConfluenceSpaceExportPageWithoutItsChrome() {
        ParsedDocument page = DocumentParser.parse(doc(null, """
                <html><head><title>Engineering : Release checklist</title></head><body>
                <div id="page"><div id="main" class="aui-page-panel">
                  <div id="main-header">
                    <div id="breadcrumb-section"><ol id="breadcrumbs">
                      <li class="first"><span><a href="index.html">Engineering</a></span></li>
                      <li><span><a href="Processes_123.html">Processes</a></span></li></ol></div>
                    <h1 id="title-heading" class="pagetitle"><span id="title-text">Engineering : Release checklist</span></h1>
                  </div>
                  <div id="content" class="view">
                    <div class="page-metadata">Created by Ana Lima, last modified by Bo Chen on Mar 20, 2024</div>
                    <div id="main-content" class="wiki-content group">
                      <p>Go to start of metadata</p>
                      <style type="text/css">/*<![CDATA[*/ div.rbtoc1 {padding: 0px;} /*]]>*/</style>
                      <div class="toc-macro rbtoc1"><ul><li><a href="#Release-Before">Before</a></li></ul></div>
                      <h2 id="Release-Before">Before</h2>
                      <p>Freeze the branch two days ahead.</p>
                      <div class="code panel pdl"><div class="codeContent panelContent pdl">
                        <pre class="syntaxhighlighter-pre" data-syntaxhighlighter-params="brush: bash">git tag v1.2.0</pre></div></div>
                    </div>
                    <div class="pageSection group"><div class="pageSectionHeader">
                      <h2 id="attachments" class="pageSectionTitle">Attachments:</h2></div>
                      <div class="greybox" align="left"><img src="images/icons/bullet_blue.gif"/> <a href="attachments/1/2.png">diagram.png</a> (image/png)</div>
                    </div>
                  </div>
                </div>
                <div id="footer" role="contentinfo"><section class="footer-body">
                  <p>Document generated by Confluence on Nov 26, 2024 16:46</p>
                  <div id="footer-logo"><a href="http://www.atlassian.com/">Atlassian</a></div></section></div>
                </div></body></html>"""));
        assertThat(page.format()).isEqualTo("html");
        assertThat(page.title()).isEqualTo("Engineering : Release checklist");
        assertThat(page.blocks()).extracting(Block::kind, Block::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Block.Kind.PARAGRAPH, "Freeze the branch two days ahead."),
                org.assertj.core.groups.Tuple.tuple(Block.Kind.CODE, "git tag v1.2.0"));
        assertThat(page.blocks()).allSatisfy(b -> assertThat(b.headingPath()).containsExactly("Before"));
    }

    @Test
    void malformedAndHostileHtmlParsesToCleanTextWithoutFailing() {
        String deep = "<div>".repeat(100_000) + "deep text" + "</div>".repeat(10);
        String junk = "<p>bad &#xD800; surrogate &#0; nul \u0000 and \u200B zero-width</p><table><tr><td>unclosed"
                + "<p><b><i>mis</b>nested</i><script>alert(1)";
        for (String html : List.of(deep, junk, "<", "<<<>>>", "<html", "</p></div></body>", "<![CDATA[x]]>", "\uFFFF\uFFFE")) {
            assertThatCode(() -> {
                ParsedDocument parsed = DocumentParser.parse(doc("html", html));
                for (Block b : parsed.blocks()) {
                    assertThat(b.text().codePoints()).noneMatch(cp -> Character.getType(cp) == Character.SURROGATE
                            || Character.getType(cp) == Character.CONTROL && cp != '\n' || cp == 0x200B);
                }
            }).as("html of %d chars", html.length()).doesNotThrowAnyException();
        }
        assertThat(allText(DocumentParser.parse(doc("html", deep)))).contains("deep text");
        assertThat(allText(DocumentParser.parse(doc("html", junk)))).contains("bad", "surrogate", "zero-width", "unclosed", "misnested")
                .doesNotContain("alert");
    }
}
