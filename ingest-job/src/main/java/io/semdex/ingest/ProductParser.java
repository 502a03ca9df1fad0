package io.semdex.ingest;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a catalog record: one {@link Block.Kind#RECORD} block of title and key attributes (brand,
 * category, colour, … from {@code fields}), then the description from the body. Numbers and flags
 * (price, rating, stock) stay filterable metadata and are not embedded as words.
 */
final class ProductParser {

    /** Attributes that say what a product is, in the order they read best; other text fields follow. */
    private static final List<String> KEY_ATTRIBUTES = List.of(
            "brand", "category", "class", "product_type", "type", "color", "colour", "size", "material", "gender",
            "style", "pattern", "model", "sku", "品牌", "类目", "分类", "颜色", "尺码", "材质");

    /** Fields that are links or identifiers of other systems, never words about the product. */
    private static final Set<String> NOT_ATTRIBUTES = Set.of("image", "images", "img", "thumbnail", "url", "link", "id");

    private static final int MAX_ATTRIBUTE_CHARS = 120;

    private ProductParser() {}

    static ParsedDocument parse(SourceDocument doc) {
        List<Block> blocks = new ArrayList<>();
        String record = record(doc.title(), doc.fields());
        if (!record.isEmpty()) {
            blocks.add(new Block(Block.Kind.RECORD, List.of(), null, record));
        }
        String body = doc.body();
        if (body != null && !body.isBlank()) {
            String markup = FormatDetector.markup(body);
            blocks.addAll(DocumentParser.parseMarkup(doc, body, markup, false).blocks());
        }
        return new ParsedDocument(doc, "product", doc.title(), blocks);
    }

    /** "Title\nBrand: ACME; Category: running shoes; Color: blue". */
    static String record(String title, Map<String, Object> fields) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (String key : KEY_ATTRIBUTES) {
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                if (field.getKey().equalsIgnoreCase(key)) {
                    putIfText(attributes, field.getKey(), field.getValue());
                }
            }
        }
        fields.entrySet().stream()
                .filter(f -> !NOT_ATTRIBUTES.contains(f.getKey().toLowerCase(Locale.ROOT)))
                .sorted(Map.Entry.comparingByKey())
                .forEach(f -> putIfText(attributes, f.getKey(), f.getValue()));
        StringBuilder out = new StringBuilder(Texts.prose(title));
        StringBuilder line = new StringBuilder();
        attributes.forEach((name, value) -> line.append(line.isEmpty() ? "" : "; ").append(label(name)).append(": ").append(value));
        if (!line.isEmpty()) {
            out.append(out.isEmpty() ? "" : "\n").append(line);
        }
        return out.toString();
    }

    private static void putIfText(Map<String, String> attributes, String name, Object value) {
        if (attributes.containsKey(name)) {
            return;
        }
        String text = switch (value) {
            case String s -> s;
            case List<?> list when list.stream().allMatch(String.class::isInstance) ->
                    String.join(", ", list.stream().map(String.class::cast).toList());
            default -> null; // numbers and flags are for filters
        };
        if (text == null) {
            return;
        }
        text = Texts.prose(text).replace('\n', ' ');
        if (text.isEmpty() || text.length() > MAX_ATTRIBUTE_CHARS || text.equals("true") || text.equals("false")
                || text.startsWith("http://") || text.startsWith("https://")) {
            return;
        }
        attributes.put(name, text);
    }

    private static String label(String name) {
        String spaced = name.replace('_', ' ');
        return spaced.substring(0, 1).toUpperCase(Locale.ROOT) + spaced.substring(1);
    }
}
