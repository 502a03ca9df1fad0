package io.semdex.core;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Which Lucene commit of a shard readers may see. The writer tags every commit with a sequence
 * number ({@link #SEQUENCE_KEY} in the commit's user data); once the Flink checkpoint that covers a
 * commit completes, its sequence is written to the shard's {@code PUBLISHED} file by an atomic
 * rename. Readers open exactly that commit, so a search never sees changes that a restart could
 * still roll back.
 */
public final class PublishedCommit {

    /** Commit user-data key holding the writer's sequence number. */
    public static final String SEQUENCE_KEY = "semdex.seq";
    private static final String FILE = "PUBLISHED";

    private PublishedCommit() {}

    /** The published sequence of the shard in {@code shardDir}, or empty when nothing is published yet. */
    public static OptionalLong read(Path shardDir) {
        Path file = shardDir.resolve(FILE);
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return OptionalLong.of(Long.parseLong(text));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file + " must hold a commit sequence number, found garbage", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Publishes {@code sequence} for the shard in {@code shardDir}, atomically and durably ({@link DurableFiles}). */
    public static void write(Path shardDir, long sequence) {
        try {
            DurableFiles.replace(shardDir.resolve(FILE), (sequence + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish commit " + sequence + " in " + shardDir, e);
        }
    }

    /** The sequence number a commit was tagged with, or -1 for a commit semdex did not write. */
    public static long sequenceOf(IndexCommit commit) throws IOException {
        String value = commit.getUserData().get(SEQUENCE_KEY);
        return value == null ? -1 : Long.parseLong(value);
    }

    /** How often {@link #find} lists the commits again when an older one is deleted while it is read. */
    static final int MAX_LISTINGS = 10;

    /**
     * The commit tagged with {@code sequence}, if the directory still holds it. A writer deletes older
     * commits while readers list them, the {@code segments_N} file first: a listing that opened one
     * just before its deletion finds its segment files gone. Lucene skips a {@code segments_N} that
     * is gone, not one whose segments went while it was read (a {@code CorruptIndexException} caused
     * by the missing file): that listing is taken again.
     */
    public static Optional<IndexCommit> find(Directory dir, long sequence) throws IOException {
        for (int listing = 1; ; listing++) {
            List<IndexCommit> commits;
            try {
                commits = DirectoryReader.listCommits(dir);
            } catch (CorruptIndexException e) {
                if (listing >= MAX_LISTINGS || !causedByMissingFile(e)) {
                    throw e;
                }
                continue;
            }
            for (IndexCommit commit : commits) {
                if (sequenceOf(commit) == sequence) {
                    return Optional.of(commit);
                }
            }
            return Optional.empty();
        }
    }

    private static boolean causedByMissingFile(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException || t instanceof FileNotFoundException) {
                return true;
            }
        }
        return false;
    }

    /** What a caller reads from a published commit. */
    @FunctionalInterface
    public interface CommitReader<T> {
        T read(DirectoryReader reader) throws IOException;
    }

    /** How often {@link #readPublished} opens the newest published commit again before it gives up. */
    static final int MAX_ATTEMPTS = 50;

    /**
     * Runs {@code reader} on the shard's published commit; empty when nothing is published (or the
     * shard is gone). A writer publishes a newer commit and deletes older ones while readers run: when
     * the published commit disappears while it is being opened, the newest published one is opened again.
     *
     * @throws IOException when the shard cannot be read, or its published commit kept disappearing
     *     {@value #MAX_ATTEMPTS} times in a row
     */
    public static <T> Optional<T> readPublished(Path shardDir, CommitReader<T> reader) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            OptionalLong published = read(shardDir);
            if (published.isEmpty() || !Files.isDirectory(shardDir)) {
                return Optional.empty();
            }
            try (Directory directory = FSDirectory.open(shardDir)) {
                Optional<IndexCommit> commit = find(directory, published.getAsLong());
                if (commit.isPresent()) {
                    try (DirectoryReader open = DirectoryReader.open(commit.get())) {
                        return Optional.of(reader.read(open));
                    }
                }
                last = null; // superseded before we listed the commits: PUBLISHED names a newer one by now
            } catch (NoSuchFileException | FileNotFoundException e) { // IndexNotFoundException is a FileNotFoundException
                last = e; // deleted while we opened it
            }
            try {
                Thread.sleep(Math.min(100, 5L << Math.min(attempt, 5)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + shardDir, e);
            }
        }
        IOException failure = new IOException("the published commit of " + shardDir + " changed under " + MAX_ATTEMPTS
                + " reads in a row");
        if (last != null) {
            failure.addSuppressed(last);
        }
        throw failure;
    }

    /** User data tagging a commit with {@code sequence}. */
    public static Map<String, String> userData(long sequence) {
        return Map.of(SEQUENCE_KEY, Long.toString(sequence));
    }
}
