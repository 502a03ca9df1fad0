package io.semdex.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a document's blocks in reading order while tracking the headings above them. The
 * markup parsers (HTML, Markdown) feed it headings and blocks; it decides what is the title, what
 * is a question that leads its answer, and which export chrome to drop.
 */
final class Outline {

    private record Heading(int level, String text, boolean question) {}

    private final boolean everyHeadingIsAQuestion;
    private String title;
    private final List<Heading> headings = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private int skippedSectionLevel = -1;
    private String term;

    /**
     * @param title the document's given title, or null to take the first top-level heading
     * @param everyHeadingIsAQuestion true for FAQ documents, whose headings are questions even without "?"
     */
    Outline(String title, boolean everyHeadingIsAQuestion) {
        this.title = title == null || title.isBlank() ? null : Texts.prose(title);
        this.everyHeadingIsAQuestion = everyHeadingIsAQuestion;
    }

    void heading(int level, String raw) {
        String text = Texts.prose(raw).replace('\n', ' ');
        if (text.isEmpty()) {
            return;
        }
        if (skippedSectionLevel >= 0) {
            if (level > skippedSectionLevel) {
                return;
            }
            skippedSectionLevel = -1;
        }
        term = null;
        if (Boilerplate.isSection(text)) {
            skippedSectionLevel = level;
            return;
        }
        boolean question = everyHeadingIsAQuestion || Texts.isQuestion(text);
        if (blocks.isEmpty() && headings.isEmpty()) {
            // A heading before any content names the page: it is the title, not context.
            if (title == null && level == 1) {
                title = text;
                return;
            }
            if (title != null && !question && Texts.key(text).equals(Texts.key(title))) {
                return;
            }
        }
        while (!headings.isEmpty() && headings.getLast().level() >= level) {
            headings.removeLast();
        }
        headings.add(new Heading(level, text, question));
    }

    /** A definition term ({@code <dt>}): it leads the definitions that follow, until the next term or heading. */
    void term(String raw) {
        String text = Texts.prose(raw).replace('\n', ' ');
        term = text.isEmpty() ? null : text;
    }

    void endTerms() {
        term = null;
    }

    void add(Block.Kind kind, String raw) {
        if (skippedSectionLevel >= 0) {
            return;
        }
        String text = kind == Block.Kind.CODE ? Texts.code(raw) : Texts.prose(raw);
        if (text.isEmpty() || kind != Block.Kind.CODE && Boilerplate.isLine(text)) {
            return;
        }
        int leadIndex = -1;
        if (term == null) {
            for (int i = headings.size() - 1; i >= 0; i--) {
                if (headings.get(i).question()) {
                    leadIndex = i;
                    break;
                }
            }
        }
        List<String> path = new ArrayList<>(headings.size());
        for (int i = 0; i < headings.size(); i++) {
            if (i != leadIndex) {
                path.add(headings.get(i).text());
            }
        }
        String lead = term != null ? term : leadIndex >= 0 ? headings.get(leadIndex).text() : null;
        blocks.add(new Block(kind, path, lead, text));
    }

    boolean hasContent() {
        return !blocks.isEmpty() || !headings.isEmpty();
    }

    String title() {
        return title;
    }

    List<Block> blocks() {
        return blocks;
    }
}
