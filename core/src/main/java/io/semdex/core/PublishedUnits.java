package io.semdex.core;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.Bits;

/**
 * The units a reader of an index root sees: every live unit of the published commit of each shard
 * of the live generation. A writer keeps publishing and deleting older commits while this reads, so a
 * commit that goes away under it is not an error: each shard is read at its newest published commit
 * ({@link PublishedCommit#readPublished}), and a read during a generation switch starts again from
 * {@code CURRENT}.
 *
 * <pre>{@code
 * Map<String, List<String>> texts = PublishedUnits.textsByDocument(PublishedUnits.read(indexRoot));
 * }</pre>
 */
public final class PublishedUnits {

    /** How often one {@link #read} starts again from {@code CURRENT} when the live generation changed under it. */
    static final int MAX_ATTEMPTS = 50;

    private PublishedUnits() {}

    /** One indexed unit as stored. */
    public record Unit(String documentId, int ordinal, String unitId, String text) {}

    /**
     * Every live unit of the live generation's published commits, shard by shard; empty while there is
     * no live generation or nothing is published.
     *
     * @throws IOException when the index cannot be read, or it kept changing for {@value #MAX_ATTEMPTS} attempts
     */
    public static List<Unit> read(Path indexRoot) throws IOException {
        IndexLayout layout = new IndexLayout(indexRoot);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Generation> current = layout.current();
            if (current.isEmpty()) {
                return List.of();
            }
            try {
                List<Unit> units = read(current.get());
                if (layout.current().map(Generation::name).equals(Optional.of(current.get().name()))) {
                    return units;
                }
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException || e.getCause() instanceof FileNotFoundException)) {
                    throw e;
                }
                // the manifest of a generation pruned since we read CURRENT
            }
        }
        throw new IOException("the live generation of " + indexRoot + " changed under " + MAX_ATTEMPTS + " reads in a row");
    }

    /** Every live unit of the published commits of {@code generation}'s shards. */
    private static List<Unit> read(Generation generation) throws IOException {
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        List<Unit> units = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            PublishedCommit.readPublished(generation.shardDir(shard), PublishedUnits::liveUnits).ifPresent(units::addAll);
        }
        return units;
    }

    private static List<Unit> liveUnits(DirectoryReader reader) throws IOException {
        List<Unit> units = new ArrayList<>();
        Bits live = MultiBits.getLiveDocs(reader);
        StoredFields stored = reader.storedFields();
        for (int i = 0; i < reader.maxDoc(); i++) {
            if (live == null || live.get(i)) {
                Document d = stored.document(i);
                units.add(new Unit(d.get(IndexFields.DOC_ID), d.getField(IndexFields.ORDINAL).numericValue().intValue(),
                        d.get(IndexFields.UNIT_ID), d.get(IndexFields.TEXT)));
            }
        }
        return units;
    }

    /**
     * Each document's unit texts in ordinal order, documents by id.
     *
     * @throws IllegalStateException naming the unit when two units of a document share an ordinal: the index holds a duplicate
     */
    public static Map<String, List<String>> textsByDocument(List<Unit> units) {
        Map<String, TreeMap<Integer, String>> byDocument = new TreeMap<>();
        for (Unit unit : units) {
            if (byDocument.computeIfAbsent(unit.documentId(), k -> new TreeMap<>()).put(unit.ordinal(), unit.text()) != null) {
                throw new IllegalStateException("duplicate unit " + unit.unitId() + " (document " + unit.documentId() + ", ordinal "
                        + unit.ordinal() + ")");
            }
        }
        Map<String, List<String>> texts = new TreeMap<>();
        byDocument.forEach((id, byOrdinal) -> texts.put(id, List.copyOf(byOrdinal.values())));
        return texts;
    }
}
