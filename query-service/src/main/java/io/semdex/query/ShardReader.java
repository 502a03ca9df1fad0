package io.semdex.query;

import io.semdex.core.PublishedCommit;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Holds a reader of one shard at its published commit, and moves it forward when a newer commit
 * is published. Readers are reference counted: one being searched stays open after a refresh
 * replaces it.
 */
final class ShardReader implements Closeable {

    private final Path dir;
    private final Directory directory;
    private volatile DirectoryReader current;
    private long sequence;

    private ShardReader(Path dir, Directory directory, DirectoryReader reader, long sequence) {
        this.dir = dir;
        this.directory = directory;
        this.current = reader;
        this.sequence = sequence;
    }

    /** Opens the shard at its published commit; empty when nothing is published there yet. */
    static Optional<ShardReader> open(Path dir) throws IOException {
        OptionalLong published = PublishedCommit.read(dir);
        if (published.isEmpty()) {
            return Optional.empty();
        }
        Directory directory = FSDirectory.open(dir);
        try {
            Optional<IndexCommit> commit = PublishedCommit.find(directory, published.getAsLong());
            if (commit.isEmpty()) {
                directory.close(); // superseded while we looked: the next refresh finds the newer one
                return Optional.empty();
            }
            return Optional.of(new ShardReader(dir, directory, DirectoryReader.open(commit.get()), published.getAsLong()));
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    /** Switches to a newly published commit, if there is one; true when it did. */
    synchronized boolean refresh() throws IOException {
        OptionalLong published = PublishedCommit.read(dir);
        if (published.isEmpty() || published.getAsLong() == sequence) {
            return false;
        }
        Optional<IndexCommit> commit = PublishedCommit.find(directory, published.getAsLong());
        if (commit.isEmpty()) {
            return false; // superseded while we looked
        }
        DirectoryReader old = current;
        DirectoryReader next = DirectoryReader.openIfChanged(old, commit.get());
        if (next != null) {
            current = next;
            old.decRef();
        }
        sequence = published.getAsLong();
        return true;
    }

    /** The current reader with a reference taken; give it back with {@link #release}. */
    DirectoryReader acquire() {
        while (true) {
            DirectoryReader reader = current;
            if (reader.tryIncRef()) {
                return reader;
            }
        }
    }

    static void release(DirectoryReader reader) throws IOException {
        reader.decRef();
    }

    Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            current.decRef();
        } finally {
            directory.close();
        }
    }
}
