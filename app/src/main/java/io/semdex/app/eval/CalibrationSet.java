package io.semdex.app.eval;

import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import io.semdex.core.SourceDocument;
import io.semdex.ingest.Block;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.ParsedChange;
import io.semdex.ingest.ParsedDocument;
import io.semdex.ingest.RecordParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A judged retrieval set cut from real document exports that no evaluation set draws on (the FAQ
 * and wiki exports of {@code ../shared/data/docs}), for choosing defaults without tuning them to the
 * evaluation sets' judged queries.
 *
 * <p>Each page is read as the ingest job reads it and cut into sections: the blocks under one
 * question, else under one heading path. Two kinds of query, as the pages' authors wrote them:
 * <ul>
 *   <li>{@value #QUESTION}: a question the page asks (an FAQ entry, a heading that ends in "?", or
 *       the page's title when it asks one); the text that answers it, without the question, is its
 *       relevant document (a question-titled page's: its sections under no question of their own);
 *   <li>{@value #HEADING}: a section's own heading of {@value #MIN_HEADING_WORDS} words or more;
 *       the section, with the heading taken out of its title, is its relevant document.
 * </ul> Every other section stays in the corpus as a distractor,
 * but for lists of questions (an FAQ index), which hold every question word for word and answer none.
 * Queries are the authors' own words for what a text answers or is about, never spans of it.
 */
final class CalibrationSet {

    /** Query id prefix of a question a page asks. */
    static final String QUESTION = "question";
    /** Query id prefix of a section's heading. */
    static final String HEADING = "heading";
    /** Words a heading needs to be a query: "Options" or "Overview" names no section. */
    static final int MIN_HEADING_WORDS = 3;

    /** Answers shorter than this are too thin to be found by either side. */
    static final int MIN_ANSWER_CHARS = 40;

    private CalibrationSet() {}

    /** The set from every export folder under {@code docs} (e.g. {@code ../shared/data/docs}). */
    static BeirDataset build(Path docs) throws IOException {
        return build(List.of(docs));
    }

    /** The set from every export folder under each of {@code folders}, as one corpus. */
    static BeirDataset build(List<Path> folders) throws IOException {
        List<ParsedDocument> pages = new ArrayList<>();
        for (Path docs : folders) {
            pages.addAll(pages(docs));
        }
        return of(String.join(" + ", folders.stream().map(f -> f.getFileName().toString()).toList()) + " questions and headings", pages);
    }

    private static List<ParsedDocument> pages(Path docs) throws IOException {
        RecordParser parser = new RecordParser(DocumentJson.DEFAULT_MAX_BYTES);
        List<ParsedDocument> pages = new ArrayList<>();
        ExportFiles.scan(docs, ExportFiles.Options.defaults()).read(record -> {
            if (record.valid()) {
                try {
                    ParsedChange change = parser.parse(record.key(), record.value());
                    if (!change.isDelete()) {
                        pages.add(change.document());
                    }
                } catch (InvalidDocumentException e) {
                    // a page the job would dead-letter is no part of the set
                }
            }
        });
        return pages;
    }

    /** The set from parsed pages. */
    static BeirDataset of(String name, List<ParsedDocument> pages) {
        List<SourceDocument> corpus = new ArrayList<>();
        Map<String, String> queries = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        Map<String, String> queryIds = new LinkedHashMap<>(); // question (normalized) → query id
        for (ParsedDocument page : pages) {
            String pageTitle = page.title();
            boolean titleAsks = isQuestion(pageTitle);
            Map<String, Section> sections = new LinkedHashMap<>();
            for (Block block : page.blocks()) {
                String question = question(block);
                String key = question != null ? "q:" + normalize(question) : "h:" + String.join("\u0000", block.headingPath());
                sections.computeIfAbsent(key, k -> new Section(question, block.headingPath())).add(block.text());
            }
            List<String> answersToTitle = new ArrayList<>();
            int n = 0;
            for (Section section : sections.values()) {
                String text = section.text();
                if (text.length() < MIN_ANSWER_CHARS || section.listsQuestions()) {
                    continue;
                }
                String id = page.source().id() + "#" + n++;
                // A section under no question is named by its heading, a query of its own when it says
                // enough; the headings above it (and the page's title, unless that asks) stay its title.
                String heading = section.question() == null ? section.heading() : null;
                List<String> title = new ArrayList<>();
                if (section.question() == null) {
                    if (pageTitle != null && !titleAsks) {
                        title.add(pageTitle);
                    }
                    List<String> path = section.headingPath();
                    title.addAll(path.subList(0, heading != null ? path.size() - 1 : path.size()));
                }
                corpus.add(new SourceDocument(id, title.isEmpty() ? null : String.join(" — ", title), text, "text", null, "calibration",
                        null, null, List.of(), Map.of()));
                if (section.question() != null) {
                    judge(QUESTION, section.question(), id, queries, qrels, queryIds);
                } else {
                    if (heading != null) {
                        judge(HEADING, heading, id, queries, qrels, queryIds);
                    }
                    if (titleAsks) {
                        answersToTitle.add(id);
                    }
                }
            }
            if (titleAsks && !sections.containsKey("q:" + normalize(pageTitle))) {
                answersToTitle.forEach(id -> judge(QUESTION, pageTitle, id, queries, qrels, queryIds));
            }
        }
        return new BeirDataset(name, corpus, queries, qrels);
    }

    private static void judge(String kind, String query, String docId, Map<String, String> queries,
            Map<String, Map<String, Integer>> qrels, Map<String, String> queryIds) {
        String asked = unnumbered(query);
        String queryId = queryIds.computeIfAbsent(normalize(asked), q -> kind + "-" + (queryIds.size() + 1));
        queries.putIfAbsent(queryId, asked);
        qrels.computeIfAbsent(queryId, k -> new LinkedHashMap<>()).put(docId, 1);
    }

    /** The question a block answers: its FAQ lead, else the innermost heading above it that asks one; null if none. */
    static String question(Block block) {
        if (isQuestion(block.lead())) {
            return block.lead();
        }
        List<String> path = block.headingPath();
        for (int i = path.size() - 1; i >= 0; i--) {
            if (isQuestion(path.get(i))) {
                return path.get(i);
            }
        }
        return null;
    }

    /** Words a question starts with, when a title leaves its question mark off ("How do I back-up KahaDB"). */
    private static final Set<String> ASKING = Set.of("how", "what", "why", "when", "where", "which", "who",
            "can", "could", "is", "are", "does", "do", "should", "will", "would");

    /**
     * A line of three words or more that ends in a question mark (a Chinese one too), or starts as a
     * question does.
     */
    static boolean isQuestion(String line) {
        if (line == null) {
            return false;
        }
        String stripped = line.strip();
        String[] words = stripped.split("\\s+");
        return words(stripped) >= 3
                && (stripped.endsWith("?") || stripped.endsWith("？") || ASKING.contains(words[0].toLowerCase(Locale.ROOT)));
    }

    /**
     * Words of a line: whitespace-separated tokens, where a run of Chinese, Japanese or Korean
     * characters, written without spaces, counts one word per two characters (about a word each).
     */
    static int words(String line) {
        int words = 0;
        for (String token : line.strip().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            long cjk = token.codePoints().filter(CalibrationSet::isCjk).count();
            words += cjk == 0 ? 1 : (int) Math.max(1, (cjk + 1) / 2) + (cjk < token.codePointCount(0, token.length()) ? 1 : 0);
        }
        return words;
    }

    private static boolean isCjk(int codePoint) {
        Character.UnicodeScript script = Character.UnicodeScript.of(codePoint);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
    }

    /** A heading or question without its section number ("1.2. What is Debian?" asks "What is Debian?"). */
    static String unnumbered(String line) {
        return line == null ? null : line.strip().replaceFirst("^(第\\s*\\d+\\s*章|\\d+(\\.\\d+)*\\.?)\\s+", "");
    }

    /** A question as compared: case, spacing and end punctuation aside, a title and its FAQ entry are one question. */
    private static String normalize(String question) {
        return question.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replaceAll("[?？.。!！:：\\s]+$", "");
    }

    private record Section(String question, List<String> headingPath, List<String> texts) {

        Section(String question, List<String> headingPath) {
            this(question, headingPath, new ArrayList<>());
        }

        void add(String text) {
            if (!text.isBlank()) {
                texts.add(text.strip());
            }
        }

        /**
         * A table of contents of questions (an FAQ index page's list of links): it holds each
         * question word for word and answers none, so it is no document of an FAQ search.
         */
        boolean listsQuestions() {
            long asking = texts.stream().filter(t -> isQuestion(t.replaceFirst("^[-*•]\\s+", ""))).count();
            return texts.size() >= 3 && asking * 2 >= texts.size();
        }

        String text() {
            return String.join("\n\n", texts);
        }

        /** The innermost heading, when it says enough to be a query; else null. */
        String heading() {
            if (headingPath.isEmpty()) {
                return null;
            }
            String h = headingPath.getLast().strip();
            return words(h) >= MIN_HEADING_WORDS ? h : null;
        }
    }
}
