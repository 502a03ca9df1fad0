package io.semdex.ingest;

import io.semdex.core.ContentHash;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Splits a parsed document into atomic semantic units of at most {@code maxTokens} tokens.
 *
 * <ul>
 *   <li>A unit never crosses a heading: blocks under the same heading path (and the same FAQ
 *       question) are packed together, and the heading path travels with each unit as context.
 *   <li>A unit holds whole blocks (paragraphs, list items, table rows, code blocks), or part of
 *       one block that alone is over budget; then the block is cut at sentence ends (ICU), a
 *       sentence over budget at clause punctuation (，；：、 , ; :), a clause over budget hard, at a
 *       space where there is one. Code is cut at line ends.
 *   <li>A FAQ question leads each unit of its answer. A catalog record (a product) is one unit —
 *       title, key attributes and description — whenever the model can read it whole: a product is
 *       the atomic thing a shopper searches for, and halves of it match neither words nor meaning as
 *       well as the whole. Only a record longer than that splits: title and attributes, then the
 *       description in parts.
 * </ul>
 *
 * Unit ids are {@code <doc id>#<ordinal>} in reading order, so the same document always splits into
 * the same ids; each unit's hash covers what is embedded (text with its title and headings).
 */
public final class Splitter implements Serializable {

    public static final int DEFAULT_MAX_TOKENS = 200;

    /** Tokens kept free of a model's input for the title and headings put before each unit. */
    static final int CONTEXT_RESERVE = 48;

    /** Below this budget code is not fenced: the fences alone would take a third of the unit. */
    private static final int MIN_BUDGET_FOR_FENCES = 32;

    private record Passage(List<String> headingPath, String text) {}

    /** Room for a whole catalog record in a 512-token model after the context reserve. */
    static final int DEFAULT_RECORD_MAX_TOKENS = 512 - 2 - CONTEXT_RESERVE;

    private final int maxTokens;
    private final int recordMaxTokens;
    private final TokenCounter tokens;

    public Splitter(int maxTokens, TokenCounter tokens) {
        this(maxTokens, Math.max(maxTokens, DEFAULT_RECORD_MAX_TOKENS), tokens);
    }

    /**
     * @param maxTokens budget of a unit of running text
     * @param recordMaxTokens the longest catalog record kept as one unit (at least {@code maxTokens})
     */
    public Splitter(int maxTokens, int recordMaxTokens, TokenCounter tokens) {
        if (maxTokens < 8) {
            throw new IllegalArgumentException("maxTokens must be >= 8, got " + maxTokens);
        }
        if (recordMaxTokens < maxTokens) {
            throw new IllegalArgumentException("recordMaxTokens must be >= maxTokens (" + maxTokens + "), got " + recordMaxTokens);
        }
        this.maxTokens = maxTokens;
        this.recordMaxTokens = recordMaxTokens;
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** A 200-token budget measured with the tokenizer-free estimate; for tests and tools. */
    public static Splitter withDefaults() {
        return new Splitter(DEFAULT_MAX_TOKENS, TokenCounter.approximate());
    }

    /**
     * Splits for a model spec, the one the job embeds with: tokens are counted with the tokenizer
     * in the spec's files ({@code dir=}, or a remote spec's {@code tokenizer=}; else
     * {@link TokenCounter#conservative()}), and the budget is lowered where the model's input
     * (less room for the title and headings) is shorter than asked for.
     */
    public static Splitter forModel(EmbedderSpec spec, int maxTokens) {
        ModelPreset preset = spec.preset();
        int room = Math.max(8, preset.maxTokens() - 2 - CONTEXT_RESERVE);
        int budget = Math.min(maxTokens, room);
        return new Splitter(budget, Math.max(budget, room), TokenCounter.forSpec(spec));
    }

    public int maxTokens() {
        return maxTokens;
    }

    public TokenCounter tokens() {
        return tokens;
    }

    /** Parses the document by its format, then splits it. */
    public List<Unit> split(SourceDocument doc) {
        return split(DocumentParser.parse(doc));
    }

    public List<Unit> split(ParsedDocument doc) {
        List<Passage> passages = new ArrayList<>();
        List<Block> blocks = doc.blocks();
        Passage record = wholeRecord(blocks);
        if (record != null) {
            passages.add(record);
            blocks = List.of();
        }
        for (int i = 0; i < blocks.size(); ) {
            int j = i + 1;
            while (j < blocks.size() && sameSection(blocks.get(i), blocks.get(j))) {
                j++;
            }
            packSection(blocks.subList(i, j), passages);
            i = j;
        }
        if (passages.isEmpty() && doc.title() != null) {
            packSection(List.of(Block.paragraph(doc.title())), passages);
        }
        SourceDocument source = doc.source();
        List<Unit> units = new ArrayList<>(passages.size());
        for (Passage passage : passages) {
            int ordinal = units.size();
            Unit draft = new Unit(Unit.idOf(source.id(), ordinal), source.id(), ordinal, passage.text(),
                    passage.headingPath(), doc.title(), source.url(), source.source(), source.lang(), source.fields(), "");
            units.add(withHash(draft));
        }
        return units;
    }

    /** A catalog record (it starts with a record block) as one passage, or null when it is too long for one. */
    private Passage wholeRecord(List<Block> blocks) {
        if (blocks.isEmpty() || blocks.getFirst().kind() != Block.Kind.RECORD) {
            return null;
        }
        List<String> rendered = new ArrayList<>(blocks.size());
        for (Block block : blocks) {
            rendered.add(render(block.kind(), block.text()));
        }
        String text = String.join("\n", rendered);
        return tokens.count(text) <= recordMaxTokens ? new Passage(List.of(), text) : null;
    }

    private static boolean sameSection(Block a, Block b) {
        return a.kind() != Block.Kind.RECORD && b.kind() != Block.Kind.RECORD
                && a.headingPath().equals(b.headingPath()) && Objects.equals(a.lead(), b.lead());
    }

    private static Unit withHash(Unit u) {
        return new Unit(u.unitId(), u.docId(), u.ordinal(), u.text(), u.headingPath(), u.title(), u.url(), u.source(),
                u.lang(), u.fields(), ContentHash.of(u.embeddingInput()));
    }

    /**
     * Packs one section. Packing first adds up the token counts of the pieces, which is exact for
     * WordPiece tokenizers (they split at the whitespace the pieces are joined with) and counts each
     * piece once; every unit is then measured whole, and if one is over budget (a tokenizer that
     * merges across the joins) the section is packed again measuring every candidate whole.
     */
    private void packSection(List<Block> section, List<Passage> out) {
        List<Passage> passages = new ArrayList<>();
        Measure summed = new Measure(false);
        packSection(section, passages, summed);
        for (Passage passage : passages) {
            if (summed.of(passage.text()) > maxTokens) {
                passages.clear();
                packSection(section, passages, new Measure(true));
                break;
            }
        }
        out.addAll(passages);
    }

    /** Packs whole blocks of one section greedily; a block over budget alone is cut into parts of its own. */
    private void packSection(List<Block> section, List<Passage> out, Measure measure) {
        List<String> path = section.getFirst().headingPath();
        String lead = section.getFirst().lead();
        if (lead != null && measure.of(lead) > maxTokens / 2) {
            // A lead this long cannot travel with every part: it becomes the section's first paragraph.
            List<Block> unled = new ArrayList<>(section.size() + 1);
            unled.add(new Block(Block.Kind.PARAGRAPH, path, null, lead));
            section.forEach(b -> unled.add(b.withLead(null)));
            section = unled;
            lead = null;
        }
        List<String> current = new ArrayList<>();
        for (Block block : section) {
            String rendered = render(block.kind(), block.text());
            current.add(rendered);
            if (measure.fits(lead, current, "\n")) {
                continue;
            }
            current.removeLast();
            flush(lead, current, path, out);
            if (measure.fits(lead, List.of(rendered), "\n")) {
                current.add(rendered);
                continue;
            }
            for (String part : parts(block, lead, measure)) {
                out.add(new Passage(path, compose(lead, part)));
            }
        }
        flush(lead, current, path, out);
    }

    private void flush(String lead, List<String> current, List<String> path, List<Passage> out) {
        if (!current.isEmpty()) {
            out.add(new Passage(path, compose(lead, String.join("\n", current))));
            current.clear();
        }
    }

    /** The parts of a block over budget: sentences (or code lines) packed greedily, each part rendered. */
    private List<String> parts(Block block, String lead, Measure measure) {
        Block.Kind kind = block.kind();
        boolean code = kind == Block.Kind.CODE;
        List<String> pieces = new ArrayList<>();
        for (String piece : code ? lines(block.text()) : SentenceSplitter.split(block.text())) {
            if (measure.fitsPart(kind, lead, List.of(piece))) {
                pieces.add(piece);
                continue;
            }
            for (String clause : code ? List.of(piece) : SentenceSplitter.clauses(piece)) {
                if (measure.fitsPart(kind, lead, List.of(clause))) {
                    pieces.add(clause);
                } else {
                    pieces.addAll(hardCut(kind, lead, clause));
                }
            }
        }
        List<String> parts = new ArrayList<>();
        List<String> part = new ArrayList<>();
        for (String piece : pieces) {
            part.add(piece);
            if (part.size() > 1 && !measure.fitsPart(kind, lead, part)) {
                part.removeLast();
                parts.add(render(kind, join(kind, part)));
                part.clear();
                part.add(piece);
            }
        }
        if (!part.isEmpty()) {
            parts.add(render(kind, join(kind, part)));
        }
        return parts;
    }

    /**
     * Cuts text that has no sentence or clause end inside the budget: the longest prefix that fits
     * (found by binary search over code points, measured whole), moved back to a space in its second
     * half if there is one. Always takes at least one code point, so it ends.
     */
    private List<String> hardCut(Block.Kind kind, String lead, String text) {
        int[] bounds = text.codePoints().map(Character::charCount).toArray();
        int[] offsets = new int[bounds.length + 1];
        for (int i = 0; i < bounds.length; i++) {
            offsets[i + 1] = offsets[i] + bounds[i];
        }
        List<String> pieces = new ArrayList<>();
        int from = 0; // code point index
        while (from < bounds.length) {
            int best = from + 1;
            int lo = from + 1;
            int hi = bounds.length;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                String candidate = text.substring(offsets[from], offsets[mid]).strip();
                if (tokens.count(compose(lead, render(kind, candidate))) <= maxTokens) {
                    best = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (best < bounds.length) {
                for (int k = best - 1; k > from + (best - from) / 2; k--) {
                    if (Character.isWhitespace(text.codePointAt(offsets[k]))) {
                        best = k;
                        break;
                    }
                }
            }
            String piece = text.substring(offsets[from], offsets[best]).strip();
            if (!piece.isEmpty()) {
                pieces.add(piece);
            }
            from = best;
        }
        return pieces;
    }

    /** How one packing measures candidates: whole, or as the sum of its pieces' counts (each counted once). */
    private final class Measure {

        private final boolean whole;
        private final Map<String, Integer> counts = new HashMap<>();

        Measure(boolean whole) {
            this.whole = whole;
        }

        int of(String text) {
            Integer n = counts.get(text);
            if (n == null) {
                n = tokens.count(text);
                counts.put(text, n);
            }
            return n;
        }

        /** Whether the pieces joined (blocks by line ends), led by {@code lead}, fit the budget. */
        boolean fits(String lead, List<String> pieces, String joiner) {
            if (whole) {
                return tokens.count(compose(lead, String.join(joiner, pieces))) <= maxTokens;
            }
            int sum = lead == null ? 0 : of(lead);
            for (String piece : pieces) {
                sum += of(piece);
                if (sum > maxTokens) {
                    return false;
                }
            }
            return true;
        }

        /** Whether sentences or code lines of one block, joined and rendered as one part, fit the budget. */
        boolean fitsPart(Block.Kind kind, String lead, List<String> pieces) {
            if (whole) {
                return tokens.count(compose(lead, render(kind, join(kind, pieces)))) <= maxTokens;
            }
            int sum = (lead == null ? 0 : of(lead)) + of(render(kind, ""));
            for (String piece : pieces) {
                sum += of(piece);
                if (sum > maxTokens) {
                    return false;
                }
            }
            return true;
        }
    }

    private String render(Block.Kind kind, String text) {
        return kind == Block.Kind.CODE && maxTokens >= MIN_BUDGET_FOR_FENCES ? "```\n" + text + "\n```" : text;
    }

    private static String compose(String lead, String text) {
        if (lead == null) {
            return text;
        }
        if (text.startsWith("```")) {
            return lead + "\n" + text;
        }
        return lead + (needsSpace(lead, text) ? " " : "") + text;
    }

    private static String join(Block.Kind kind, List<String> pieces) {
        if (kind == Block.Kind.CODE) {
            return String.join("\n", pieces);
        }
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            if (needsSpace(out, piece)) {
                out.append(' ');
            }
            out.append(piece);
        }
        return out.toString();
    }

    private static List<String> lines(String code) {
        List<String> lines = new ArrayList<>();
        for (String line : code.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Latin sentences are joined with a space; CJK sentences run on as they are written. */
    private static boolean needsSpace(CharSequence before, String after) {
        if (before.isEmpty() || after.isEmpty()) {
            return false;
        }
        char last = before.charAt(before.length() - 1);
        return last < 0x2E80 && after.charAt(0) < 0x2E80;
    }
}
