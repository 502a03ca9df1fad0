package io.semdex.core;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/**
 * The units a reader of an index root sees: every live unit of the published commit of each shard
 * of the live generation. A writer keeps publishing and deleting older commits while this reads, so a
 * commit that goes away under it is not an error: the read starts again from {@code CURRENT} and the
 * shards' {@code PUBLISHED} files ({@link java.nio.file.NoSuchFileException}, {@link java.io.FileNotFoundException} and
 * Lucene's {@link org.apache.lucene.index.IndexNotFoundException}, or a published commit no longer listed).
 *
 * <pre>{@code
 * Map<String, List<String>> texts = PublishedUnits.textsByDocument(PublishedUnits.read(indexRoot));
 * }</pre>
 */
public final class PublishedUnits {

    /** How often one {@link #read} starts again before it gives up: each retry means a writer published meanwhile. */
    static final int MAX_ATTEMPTS = 50;

    private PublishedUnits() {}

    /** One indexed unit as stored. */
    public record Unit(String documentId, int ordinal, String unitId, String text) {}

    /**
     * Every live unit of the live generation's published commits, shard by shard; empty while there is
     * no live generation or nothing is published.
     *
     * @throws IOException when the index cannot be read, or commits keep disappearing for {@value #MAX_ATTEMPTS} attempts
     */
    public static List<Unit> read(Path indexRoot) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                Optional<List<Unit>> units = readOnce(indexRoot);
                if (units.isPresent()) {
                    return units.get();
                }
                last = null;
            } catch (NoSuchFileException | FileNotFoundException e) { // IndexNotFoundException is a FileNotFoundException
                last = e; // a commit or generation deleted while we opened it: read the newest again
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException || e.getCause() instanceof FileNotFoundException)) {
                    throw e;
                }
                last = e.getCause(); // a manifest of a generation pruned since we read CURRENT
            }
            try {
                Thread.sleep(Math.min(100, 5L << Math.min(attempt, 5)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + indexRoot, e);
            }
        }
        IOException failure = new IOException("the published commits of " + indexRoot + " changed under " + MAX_ATTEMPTS
                + " reads in a row");
        if (last != null) {
            failure.addSuppressed(last);
        }
        throw failure;
    }

    /** The units, or empty when a published commit was superseded and deleted before we found it. */
    private static Optional<List<Unit>> readOnce(Path indexRoot) throws IOException {
        Optional<Generation> current = new IndexLayout(indexRoot).current();
        if (current.isEmpty()) {
            return Optional.of(List.of());
        }
        Generation generation = current.get();
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        List<Unit> units = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            Path dir = generation.shardDir(shard);
            OptionalLong published = PublishedCommit.read(dir);
            if (published.isEmpty()) {
                continue;
            }
            if (!Files.isDirectory(dir)) {
                return Optional.empty(); // pruned since; FSDirectory.open would create it again
            }
            try (FSDirectory directory = FSDirectory.open(dir)) {
                Optional<IndexCommit> commit = PublishedCommit.find(directory, published.getAsLong());
                if (commit.isEmpty()) {
                    return Optional.empty();
                }
                try (DirectoryReader reader = DirectoryReader.open(commit.get())) {
                    Bits live = MultiBits.getLiveDocs(reader);
                    StoredFields stored = reader.storedFields();
                    for (int i = 0; i < reader.maxDoc(); i++) {
                        if (live == null || live.get(i)) {
                            Document d = stored.document(i);
                            units.add(new Unit(d.get(IndexFields.DOC_ID), d.getField(IndexFields.ORDINAL).numericValue().intValue(),
                                    d.get(IndexFields.UNIT_ID), d.get(IndexFields.TEXT)));
                        }
                    }
                }
            }
        }
        return Optional.of(units);
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
