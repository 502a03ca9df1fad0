package io.semdex.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * What every command that switches a new generation in, or hands it over, checks first, and the
 * exit codes they share: {@code semdex reindex}, {@code semdex switch} and the job jar's
 * {@code --mode batch} and {@code --mode handoff}. A new generation with no document, or with fewer
 * than half the live one's, never replaces it unless allowed; a bare switch never happens under a
 * streaming job that writes the live generation (it would go on writing the old one).
 */
public final class GenerationGuard {

    /** The build failed; what it had written is deleted. */
    public static final int EXIT_FAILED = 1;
    /** Bad options, or Kafka (or its topic) cannot be used; nothing was built. */
    public static final int EXIT_USAGE = 2;
    /** Refused: the new generation holds no document. */
    public static final int EXIT_EMPTY = 3;
    /** Refused: it holds fewer than half the live generation's documents. */
    public static final int EXIT_SHRINK = 4;
    /** Refused: a streaming job writes the live generation, so a bare switch would lose what it indexes next. */
    public static final int EXIT_JOB_RUNNING = 5;

    /** Why a generation may not replace the live one, and the exit code that says so. */
    public record Refusal(int exitCode, String reason) {}

    private GenerationGuard() {}

    /**
     * Refuses a new generation holding no document, or fewer than half the live one's; empty when
     * it may replace the live one (always with {@code allowShrink}).
     */
    public static Optional<Refusal> shrink(GenerationCounts built, Optional<Generation> live, Optional<GenerationCounts> liveCounts,
            boolean allowShrink) {
        if (allowShrink) {
            return Optional.empty();
        }
        if (built.documents() == 0) {
            return Optional.of(new Refusal(EXIT_EMPTY, "the new generation holds no document"));
        }
        long liveDocuments = liveCounts.map(GenerationCounts::documents).orElse(0L);
        if (built.documents() * 2 < liveDocuments) {
            return Optional.of(new Refusal(EXIT_SHRINK, String.format("the new generation holds %d documents, fewer than half of the %d in"
                    + " live %s", built.documents(), liveDocuments, live.orElseThrow().name())));
        }
        return Optional.empty();
    }

    /**
     * A shard of {@code generation} that a writer holds open (a running streaming job keeps its
     * Lucene write lock for as long as it runs), or empty when none does. The lock is taken and
     * released at once to find out; on a shared filesystem whose locks other hosts do not see, a
     * writer elsewhere goes unnoticed.
     */
    public static Optional<Path> writtenShard(Generation generation) {
        if (!Files.isDirectory(generation.dir()) || !Files.isRegularFile(generation.manifestFile())) {
            return Optional.empty();
        }
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        for (int shard = 0; shard < shards; shard++) {
            Path dir = generation.shardDir(shard);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Directory directory = FSDirectory.open(dir); Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
                lock.ensureValid();
            } catch (LockObtainFailedException e) {
                return Optional.of(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot tell whether a job writes " + dir, e);
            }
        }
        return Optional.empty();
    }
}
