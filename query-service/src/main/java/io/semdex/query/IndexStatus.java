package io.semdex.query;

import io.semdex.core.Calibration;
import io.semdex.core.Generation;
import io.semdex.core.IndexFields;
import io.semdex.core.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/**
 * What the live index holds, for {@code /api/status} and {@code /metrics}: computed at most once a
 * second, since counting documents reads every unit's document id.
 */
final class IndexStatus {

    /**
     * @param generation name of the live generation; null while there is none
     * @param changedAtMillis when the searchable index last changed; {@code checkedAtMillis} when the service last looked
     */
    record Stats(String generation, int generationNumber, int units, int documents, long sizeBytes, long changedAtMillis,
            long checkedAtMillis, Calibration calibration, io.semdex.core.FusionCalibration fusion) {}

    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final LiveIndex index;
    private Stats cached;
    private long cachedAt;

    IndexStatus(LiveIndex index) {
        this.index = index;
    }

    synchronized Stats stats() {
        long now = System.nanoTime();
        if (cached == null || now - cachedAt > MAX_AGE_NANOS) {
            cached = compute();
            cachedAt = now;
        }
        return cached;
    }

    private Stats compute() {
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            Generation generation = snapshot.generation().orElse(null);
            int documents = 0;
            for (LeafReaderContext leaf : snapshot.searcher().getIndexReader().leaves()) {
                documents += documents(leaf);
            }
            return new Stats(generation == null ? null : generation.name(), generation == null ? 0 : generation.number(),
                    snapshot.units(), documents, generation == null ? 0 : sizeOf(generation.dir()), index.changedAtMillis(),
                    index.checkedAtMillis(), snapshot.manifest().map(Manifest::calibration).orElse(null),
                    snapshot.manifest().map(Manifest::fusion).orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Distinct document ids among the live units of a segment; a document's units are always written to one segment together. */
    private static int documents(LeafReaderContext leaf) throws IOException {
        SortedDocValues ids = leaf.reader().getSortedDocValues(IndexFields.DOC_ID);
        if (ids == null) {
            return 0;
        }
        Bits live = leaf.reader().getLiveDocs();
        FixedBitSet seen = new FixedBitSet(Math.max(1, ids.getValueCount()));
        for (int doc = ids.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = ids.nextDoc()) {
            if (live == null || live.get(doc)) {
                seen.set(ids.ordValue());
            }
        }
        return seen.cardinality();
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (IOException e) {
                    return 0; // merged away while we looked
                }
            }).sum();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
