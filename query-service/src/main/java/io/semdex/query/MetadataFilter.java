package io.semdex.query;

import io.semdex.core.IndexFields;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * One metadata condition, written {@code name:value} ({@code category:shoes},
 * {@code brand:"Under Armour"}) or {@code name:[from TO to]} for a numeric range ({@code price:[10 TO 60]};
 * {@code {}} excludes a bound, {@code *} leaves it open). Conditions on the same field are OR-ed,
 * conditions on different fields AND-ed; both the vector and the keyword side are pre-filtered.
 *
 * <p>{@code source}, {@code lang} and {@code doc_id} name the unit's own fields; any other name is a
 * document metadata field ({@code fields} in the input contract, indexed as {@code field.<name>}).
 */
public record MetadataFilter(String name, String value, Range range) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,99}");
    private static final Pattern RANGE = Pattern.compile("([\\[{])\\s*(\\S+)\\s+TO\\s+(\\S+)\\s*([]}])");
    private static final List<String> OWN_FIELDS = List.of(IndexFields.SOURCE, IndexFields.LANG, IndexFields.DOC_ID);

    /** Numeric bounds; infinite where open. */
    public record Range(double from, boolean fromInclusive, double to, boolean toInclusive) {}

    public MetadataFilter {
        Objects.requireNonNull(name, "name");
        if ((value == null) == (range == null)) {
            throw new IllegalArgumentException("a filter has either a value or a range");
        }
    }

    /** Parses {@code name:value} or {@code name:[from TO to]}. */
    public static MetadataFilter parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("filter must be 'name:value' or 'name:[from TO to]', got nothing");
        }
        int colon = spec.indexOf(':');
        if (colon < 1 || colon == spec.length() - 1) {
            throw new IllegalArgumentException(
                    "filter must be 'name:value' or 'name:[from TO to]' (e.g. category:shoes, price:[10 TO 60]), got '" + spec + "'");
        }
        String name = spec.substring(0, colon).strip();
        String value = spec.substring(colon + 1).strip();
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("filter field name '" + name + "' must be 1-100 letters, digits, '_', '.' or '-'");
        }
        if (value.startsWith("[") || value.startsWith("{")) {
            return new MetadataFilter(name, null, parseRange(name, value));
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("filter '" + spec + "' has an empty value");
        }
        return new MetadataFilter(name, value, null);
    }

    private static Range parseRange(String name, String value) {
        Matcher m = RANGE.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("range filter on '" + name + "' must look like [10 TO 60], {10 TO *] or [* TO 60}, got '"
                    + value + "'");
        }
        double from = bound(name, m.group(2), Double.NEGATIVE_INFINITY);
        double to = bound(name, m.group(3), Double.POSITIVE_INFINITY);
        if (from > to) {
            throw new IllegalArgumentException("range filter on '" + name + "' has its lower bound " + m.group(2)
                    + " above its upper bound " + m.group(3));
        }
        return new Range(from, m.group(1).equals("["), to, m.group(4).equals("]"));
    }

    private static double bound(String name, String text, double open) {
        if (text.equals("*")) {
            return open;
        }
        try {
            double d = Double.parseDouble(text);
            if (Double.isNaN(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("range bound '" + text + "' of filter '" + name + "' must be a number or *");
        }
    }

    /** The Lucene field this condition reads. */
    public String indexField() {
        return OWN_FIELDS.contains(name) ? name : IndexFields.FIELD_PREFIX + name;
    }

    /**
     * One query for all {@code filters} against {@code reader}, or null when there are none.
     *
     * @throws IllegalArgumentException when a field is in no document of the index, or a numeric
     *     condition names a keyword field (and the other way round)
     */
    public static Query toQuery(List<MetadataFilter> filters, IndexReader reader) {
        if (filters.isEmpty()) {
            return null;
        }
        Map<String, List<MetadataFilter>> byField = new LinkedHashMap<>();
        for (MetadataFilter f : filters) {
            byField.computeIfAbsent(f.indexField(), k -> new ArrayList<>()).add(f);
        }
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        for (Map.Entry<String, List<MetadataFilter>> field : byField.entrySet()) {
            Boolean numeric = isNumeric(reader, field.getKey());
            if (numeric == null && reader.numDocs() > 0) {
                throw new IllegalArgumentException("no document has the filter field '" + field.getValue().get(0).name()
                        + "'; fields you can filter on: " + String.join(", ", filterableNames(reader)));
            }
            BooleanQuery.Builder any = new BooleanQuery.Builder();
            for (MetadataFilter f : field.getValue()) {
                any.add(f.fieldQuery(Boolean.TRUE.equals(numeric)), BooleanClause.Occur.SHOULD);
            }
            all.add(any.build(), BooleanClause.Occur.FILTER);
        }
        return all.build();
    }

    private Query fieldQuery(boolean numeric) {
        String field = indexField();
        if (range != null) {
            if (!numeric) {
                throw new IllegalArgumentException("'" + name + "' holds text, so it takes 'name:value' filters, not a range");
            }
            double lo = range.fromInclusive() ? range.from() : Math.nextUp(range.from());
            double hi = range.toInclusive() ? range.to() : Math.nextDown(range.to());
            return DoublePoint.newRangeQuery(field, lo, hi);
        }
        if (numeric) {
            try {
                return DoublePoint.newExactQuery(field, Double.parseDouble(value));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + name + "' is numeric, so its filter value must be a number or a range, got '"
                        + value + "'");
            }
        }
        return new TermQuery(new Term(field, value));
    }

    /** True for a numeric (point) field, false for a keyword field, null when no segment has the field. */
    private static Boolean isNumeric(IndexReader reader, String field) {
        for (LeafReaderContext leaf : reader.leaves()) {
            FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(field);
            if (info != null) {
                return info.getPointDimensionCount() > 0;
            }
        }
        return null;
    }

    private static List<String> filterableNames(IndexReader reader) {
        TreeSet<String> names = new TreeSet<>();
        for (LeafReaderContext leaf : reader.leaves()) {
            for (FieldInfo info : leaf.reader().getFieldInfos()) {
                if (info.name.startsWith(IndexFields.FIELD_PREFIX)) {
                    names.add(info.name.substring(IndexFields.FIELD_PREFIX.length()));
                } else if (OWN_FIELDS.contains(info.name)) {
                    names.add(info.name);
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public String toString() {
        return name + ":" + (value != null ? value
                : (range.fromInclusive() ? "[" : "{") + range.from() + " TO " + range.to() + (range.toInclusive() ? "]" : "}"));
    }
}
