package io.semdex.ingest;

import io.semdex.core.InvalidDocumentException;
import io.semdex.core.Percentiles;
import io.semdex.core.Unit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs records through the job's parse and split code, as the ingest job would, and keeps the
 * figures: documents, units, unit lengths in the splitter's tokens, dead letters by reason. Used by
 * {@code semdex split-stats} and by tests on the real exports.
 */
public final class SplitReport {

    private static final Pattern QUOTED = Pattern.compile("'([^']*)'");
    private static final Pattern FIELD_NAME = Pattern.compile("[a-z]{1,10}(\\[\\d+])?");

    private final RecordParser parser;
    private final Splitter splitter;
    private final Consumer<List<Unit>> units;
    private int documents;
    private int deletes;
    private final Percentiles unitTokens = new Percentiles();
    private final Map<String, Integer> deadLetters = new TreeMap<>();

    /** @param units sees the units of each document, e.g. to print them; may be null */
    public SplitReport(RecordParser parser, Splitter splitter, Consumer<List<Unit>> units) {
        this.parser = parser;
        this.splitter = splitter;
        this.units = units;
    }

    /** Parses and splits one record; a record the job would dead-letter is counted under its reason. */
    public void add(byte[] key, byte[] value) {
        ParsedChange change;
        try {
            change = parser.parse(key, value);
        } catch (InvalidDocumentException e) {
            deadLetters.merge(reasonKind(e.getMessage()), 1, Integer::sum);
            return;
        }
        if (change.isDelete()) {
            deletes++;
            return;
        }
        documents++;
        List<Unit> split = splitter.split(change.document());
        for (Unit unit : split) {
            unitTokens.record(splitter.tokens().count(unit.text()));
        }
        if (units != null) {
            units.accept(split);
        }
    }

    public int documents() {
        return documents;
    }

    public int deletes() {
        return deletes;
    }

    public int units() {
        return (int) unitTokens.count();
    }

    public int deadLettered() {
        return deadLetters.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Dead letters by kind of reason (the reason with its quoted values and numbers blanked). */
    public Map<String, Integer> deadLetters() {
        return Map.copyOf(deadLetters);
    }

    /** The unit length in tokens at {@code percentile} (0–100) as {@link Percentiles} defines it; 0 when there are no units. */
    public int tokensAt(double percentile) {
        return (int) unitTokens.at(percentile);
    }

    public int maxTokens() {
        return (int) unitTokens.max();
    }

    /** "malformed JSON: Unexpected end…" → "malformed JSON"; "record key 'a' and 'id' 'b' differ" → "record key '…' and 'id' '…' differ". */
    static String reasonKind(String reason) {
        String kind = reason;
        int colon = kind.indexOf(": ");
        if (kind.startsWith("malformed JSON") || kind.startsWith("cannot parse")) {
            kind = colon > 0 ? kind.substring(0, colon) : kind;
        }
        // Quoted ids and values vary per record; quoted field names ('id', 'body') say what is wrong.
        Matcher quoted = QUOTED.matcher(kind);
        StringBuilder out = new StringBuilder();
        while (quoted.find()) {
            String inner = quoted.group(1);
            quoted.appendReplacement(out, Matcher.quoteReplacement(FIELD_NAME.matcher(inner).matches() ? "'" + inner + "'" : "'…'"));
        }
        quoted.appendTail(out);
        kind = out.toString().replaceAll("\\d{2,}", "N"); // sizes and offsets, not "UTF-8"
        return kind.length() > 90 ? kind.substring(0, 90) + "…" : kind;
    }
}
