package io.semdex.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.lucene.util.IOUtils;

/**
 * Replaces the small files that name the live state of an index ({@code CURRENT}, a shard's
 * {@code PUBLISHED}, a generation's manifest and {@code READY}) so that a power cut leaves the old
 * content or the new one, never an empty or partial file: the new content is forced to disk before
 * the atomic rename, and the directory holding the name after it.
 */
public final class DurableFiles {

    /** Told of every force, in order; a test watches the order here, production leaves it silent. */
    interface Watcher {
        void forced(Path path, boolean directory);
    }

    static volatile Watcher watcher = (path, directory) -> {};

    private DurableFiles() {}

    /** Writes {@code content} to {@code target} atomically and durably (see the class comment). */
    public static void replace(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
            watcher.forced(tmp, false);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Forces {@code dir}'s entries (names created, renamed or removed in it) to disk, where the
     * operating system allows it (Linux and macOS do; Windows has no such call and is skipped).
     */
    public static void forceDirectory(Path dir) throws IOException {
        IOUtils.fsync(dir, true);
        watcher.forced(dir, true);
    }
}
