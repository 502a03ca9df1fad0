package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files that name the live state reach the disk in an order a power cut cannot break: the new
 * content is forced before the rename (so the name never points at an empty file), the directory
 * after it (so the rename itself survives), and CURRENT names only a generation whose own entries
 * are on disk. gen-N is created by one builder only.
 */
class DurableFilesTest {

    @TempDir
    Path root;

    /** What was forced, in order, with what the target held at that moment. */
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void watch() {
        DurableFiles.watcher = (path, directory) -> events.add((directory ? "dir " : "file ") + root.relativize(path.toAbsolutePath())
                + (directory ? "" : " = " + read(path).strip()));
    }

    @AfterEach
    void unwatch() {
        DurableFiles.watcher = (path, directory) -> {};
    }

    @Test
    void currentIsForcedBeforeAndAfterItsRenameAndOnlyOnceItsGenerationIsOnDisk() throws IOException {
        IndexLayout layout = new IndexLayout(root);
        Generation first = layout.create(1, manifest());
        layout.switchTo(first);
        Generation second = layout.create(2, manifest());
        events.clear();

        layout.switchTo(second);

        assertThat(events).containsExactly("dir gen-2", "dir ", "file CURRENT.tmp = gen-2", "dir ");
        assertThat(read(root.resolve("CURRENT"))).isEqualTo("gen-2\n");
        assertThat(root.resolve("CURRENT.tmp")).doesNotExist();
    }

    @Test
    void theManifestReadyAndPublishedAreForcedBeforeTheirRenameAndTheirDirectoryAfter() throws IOException {
        IndexLayout layout = new IndexLayout(root);
        Generation generation = layout.create(1, manifest());
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("file gen-1/manifest.json.tmp = {");
        assertThat(events.get(1)).isEqualTo("dir gen-1");
        events.clear();

        new Handoff("documents", Map.of(0, 7L)).write(generation);
        assertThat(events).containsExactly("file gen-1/READY.tmp = {\"topic\":\"documents\",\"offsets\":{\"0\":7},\"interactiveOffsets\":{}}", "dir gen-1");
        events.clear();

        Path shard = Files.createDirectories(generation.shardDir(0));
        PublishedCommit.write(shard, 3);
        PublishedCommit.write(shard, 4);
        assertThat(events).containsExactly("file gen-1/shard-0/PUBLISHED.tmp = 3", "dir gen-1/shard-0",
                "file gen-1/shard-0/PUBLISHED.tmp = 4", "dir gen-1/shard-0");
        assertThat(PublishedCommit.read(shard)).hasValue(4);
    }

    @Test
    void aGenerationNumberIsTakenByOneBuilderOnly() throws Exception {
        IndexLayout layout = new IndexLayout(root);
        layout.create(1, manifest());
        assertThatThrownBy(() -> layout.create(1, manifest()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gen-1 exists already");

        int builders = 8;
        CyclicBarrier together = new CyclicBarrier(builders);
        ExecutorService pool = Executors.newFixedThreadPool(builders);
        try {
            List<Future<Generation>> built = new ArrayList<>();
            for (int i = 0; i < builders; i++) {
                built.add(pool.submit(() -> {
                    together.await();
                    return layout.createNext(manifest());
                }));
            }
            Set<Integer> numbers = new HashSet<>();
            for (Future<Generation> generation : built) {
                numbers.add(generation.get().number());
            }
            assertThat(numbers).hasSize(builders).allSatisfy(n -> assertThat(n).isBetween(2, builders + 1));
        } finally {
            pool.shutdownNow();
        }
    }

    private static Manifest manifest() {
        return new Manifest("m", 4, "cosine", TextAnalysis.CJK_BIGRAM, 1, Instant.parse("2026-11-22T00:00:00Z"), "kafka:documents",
                IndexOptions.DEFAULT);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
