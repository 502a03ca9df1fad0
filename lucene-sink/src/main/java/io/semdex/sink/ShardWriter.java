package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexOptions;
import io.semdex.core.PublishedCommit;
import io.semdex.core.TextAnalysis;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one Lucene shard directory: applies document upserts and deletes, and commits on request.
 * A document's units are replaced in one {@link IndexWriter#updateDocuments} call, so no reader
 * ever sees a mix of two versions, or none.
 *
 * <p>Every commit is tagged with a sequence number ({@link PublishedCommit}). Opening at a
 * sequence rolls back every newer commit, which is how a restored Flink job returns the shard to
 * exactly the state its checkpoint recorded. Sequence numbers only grow, rollbacks included: a
 * reader that sees a number again (query replicas compare numbers only) sees the same commit.
 */
public final class ShardWriter implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

    private final Path dir;
    private final IndexWriter writer;
    /** The commit that holds everything committed so far. */
    private long committed;
    /** The highest sequence ever used in this directory, rolled-back commits included. */
    private long highestUsed;
    private long pendingChanges;

    private ShardWriter(Path dir, IndexWriter writer, long committed, long highestUsed) {
        this.dir = dir;
        this.writer = writer;
        this.committed = committed;
        this.highestUsed = highestUsed;
    }

    /**
     * Opens the shard at commit {@code restoreSequence}, or, when that is empty, at its published
     * commit (a new shard gets an empty commit 0, published at once).
     *
     * @throws IllegalStateException when the commit to restore no longer exists
     */
    public static ShardWriter open(Path dir, String analyzer, OptionalLong restoreSequence) throws IOException {
        return open(dir, analyzer, IndexOptions.DEFAULT, restoreSequence);
    }

    /** As {@link #open(Path, String, OptionalLong)}, writing vectors as {@code options} say. */
    public static ShardWriter open(Path dir, String analyzer, IndexOptions options, OptionalLong restoreSequence) throws IOException {
        Files.createDirectories(dir);
        Directory directory = FSDirectory.open(dir);
        try {
            IndexWriterConfig config = new IndexWriterConfig(TextAnalysis.create(analyzer))
                    .setCodec(VectorCodec.of(options))
                    // Only commits the job asked for exist: never one made by close().
                    .setCommitOnClose(false);
            if (!DirectoryReader.indexExists(directory)) {
                config.setOpenMode(IndexWriterConfig.OpenMode.CREATE).setIndexDeletionPolicy(new CommitRetention(dir, 0));
                IndexWriter writer = new IndexWriter(directory, config);
                writer.setLiveCommitData(PublishedCommit.userData(0).entrySet());
                writer.commit();
                PublishedCommit.write(dir, 0); // an empty shard is searchable at once
                return new ShardWriter(dir, writer, 0, 0);
            }
            OptionalLong target = restoreSequence.isPresent() ? restoreSequence : PublishedCommit.read(dir);
            IndexCommit start = startCommit(directory, dir, target);
            long startSequence = Math.max(0, PublishedCommit.sequenceOf(start));
            long highest = highestSequence(directory);
            if (PublishedCommit.read(dir).orElse(-1) > startSequence) {
                // Restored from an older checkpoint: readers follow it back before newer commits go.
                PublishedCommit.write(dir, startSequence);
            }
            config.setOpenMode(IndexWriterConfig.OpenMode.APPEND)
                    .setIndexCommit(start)
                    .setIndexDeletionPolicy(new CommitRetention(dir, startSequence));
            IndexWriter writer = new IndexWriter(directory, config);
            long highestUsed = highest > startSequence ? rollBack(dir, writer, startSequence, highest) : startSequence;
            // New commits continue above every sequence ever used, so a rolled-back number is never reused.
            return new ShardWriter(dir, writer, startSequence, highestUsed);
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    /**
     * Rolls back the commits numbered above {@code startSequence} (up to {@code highest}) by committing
     * the start commit's contents again as {@code highest + 1}, which it returns. The rolled-back commits
     * are the only record of the highest number used: they are deleted only once this commit, numbered
     * above them, is durable ({@link CommitRetention}), so however many restores follow before the next
     * real commit, and wherever one crashes, the newest commit on disk carries the highest number ever used.
     */
    private static long rollBack(Path dir, IndexWriter writer, long startSequence, long highest) throws IOException {
        long sequence = highest + 1;
        try {
            writer.setLiveCommitData(PublishedCommit.userData(sequence).entrySet());
            writer.commit();
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(writer); // no commit on close: releases the lock for the next try
            throw e;
        }
        LOG.info("Shard {}: rolled back from commit {} to commit {}; the source replays the changes since", dir, highest, startSequence);
        return sequence;
    }

    private static IndexCommit startCommit(Directory directory, Path dir, OptionalLong target) throws IOException {
        if (target.isPresent()) {
            Optional<IndexCommit> commit = PublishedCommit.find(directory, target.getAsLong());
            return commit.orElseThrow(() -> new IllegalStateException(
                    "shard " + dir + " no longer holds commit " + target.getAsLong()
                            + " that the restored checkpoint needs; rebuild the index with a reindex"));
        }
        List<IndexCommit> commits = DirectoryReader.listCommits(directory);
        return commits.get(commits.size() - 1);
    }

    private static long highestSequence(Directory directory) throws IOException {
        long highest = 0;
        for (IndexCommit commit : DirectoryReader.listCommits(directory)) {
            highest = Math.max(highest, PublishedCommit.sequenceOf(commit));
        }
        return highest;
    }

    public Path dir() {
        return dir;
    }

    public void apply(EmbeddedDocument change) throws IOException {
        Term key = new Term(IndexFields.DOC_ID, change.docId());
        if (change.deleted()) {
            writer.deleteDocuments(key);
        } else {
            List<Document> docs = new ArrayList<>(change.units().size());
            for (EmbeddedUnit unit : change.units()) {
                docs.add(UnitDocuments.toDocument(unit, change.updatedMillis()));
            }
            writer.updateDocuments(key, docs);
        }
        pendingChanges++;
    }

    /**
     * Makes everything applied so far durable as a new commit, and returns its sequence; empty
     * when nothing changed since the last commit. The commit is not visible to readers until
     * {@linkplain PublishedCommit#write published}.
     */
    public OptionalLong commit() throws IOException {
        if (pendingChanges == 0) {
            return OptionalLong.empty();
        }
        long next = highestUsed + 1;
        long start = System.nanoTime();
        writer.setLiveCommitData(PublishedCommit.userData(next).entrySet());
        writer.commit();
        LOG.debug("Commit {} of {}: {} changes in {} ms", next, dir, pendingChanges, (System.nanoTime() - start) / 1_000_000);
        committed = next;
        highestUsed = next;
        pendingChanges = 0;
        return OptionalLong.of(next);
    }

    /**
     * Commits and publishes at once, for writers outside a Flink job (evaluation, tools, tests),
     * where no checkpoint has to confirm the commit first. Returns the published sequence.
     */
    public long commitAndPublish() throws IOException {
        commit().ifPresent(sequence -> PublishedCommit.write(dir, sequence));
        return committed;
    }

    /** Merges the shard down to one segment: for batch generations that are written once and searched for long. */
    public void forceMerge() throws IOException {
        writer.forceMerge(1);
        pendingChanges++;
    }

    /** The commit that holds everything committed so far: the one a restore of this state opens at. */
    public long committedSequence() {
        return committed;
    }

    /**
     * Drops what was not committed and releases the shard. Never throws for a writer that can no
     * longer clean up after itself: a task being cancelled is interrupted, and an interrupt during
     * file I/O closes the channel that holds the write lock, so the rollback's deletes fail
     * ({@link AlreadyClosedException}, {@link java.nio.channels.ClosedByInterruptException}). The
     * commits are intact either way; the next writer on the shard deletes the files nothing
     * references. An exception out of a failing task's cleanup would make Flink stop the whole
     * TaskManager, and with it every other task it runs.
     */
    @Override
    public void close() throws IOException {
        Directory directory = writer.getDirectory();
        try {
            writer.rollback(); // drops uncommitted changes; commits stay
        } catch (IOException | AlreadyClosedException e) {
            LOG.warn("Shard {}: could not roll back uncommitted changes on close ({}); the commits are intact, and the next writer "
                    + "deletes the files left behind", dir, e.toString());
        } finally {
            IOUtils.closeWhileHandlingException(directory);
        }
    }
}
