package io.semdex.query;

import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.embed.EmbedderInfo;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.search.IndexSearcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The searchable view of an index root. It follows {@code CURRENT} to the live generation and
 * reopens each shard when a new commit lands, on a short timer. A search works on a
 * {@link Snapshot} that stays valid while it runs, even across a generation switch.
 */
public final class LiveIndex implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveIndex.class);

    private final IndexLayout layout;
    private final EmbedderInfo embedder;
    private final ScheduledExecutorService refresher;
    private volatile GenerationReaders current;
    private volatile String problem;
    /** When a refresh last found new data (a commit or a generation switch), and when it last looked. */
    private volatile long changedAtMillis = System.currentTimeMillis();
    private volatile long checkedAtMillis = System.currentTimeMillis();

    /**
     * @param embedder the query embedder; a generation built with another model is refused
     * @param refreshMillis how often to look for new commits and generation switches
     */
    public LiveIndex(IndexLayout layout, EmbedderInfo embedder, long refreshMillis) {
        this.layout = layout;
        this.embedder = embedder;
        refresh();
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "semdex-index-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refreshQuietly, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    /** A consistent view for one search; close it when done. */
    public Snapshot acquire() throws IOException {
        while (true) {
            GenerationReaders readers = current;
            if (readers == null) {
                return new Snapshot(null, List.of());
            }
            if (readers.tryIncRef()) {
                List<DirectoryReader> acquired = new ArrayList<>(readers.shards.size());
                try {
                    for (ShardReader shard : readers.shards) {
                        acquired.add(shard.acquire());
                    }
                } catch (RuntimeException e) {
                    for (DirectoryReader reader : acquired) {
                        ShardReader.release(reader);
                    }
                    readers.decRef();
                    throw e;
                }
                try {
                    return new Snapshot(readers, acquired);
                } catch (IOException | RuntimeException e) {
                    for (DirectoryReader reader : acquired) {
                        ShardReader.release(reader);
                    }
                    readers.decRef();
                    throw e;
                }
            }
        }
    }

    /** Why the index cannot be searched (e.g. a model mismatch), or empty when it can. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** When the searchable index last changed (epoch millis): a new commit or generation was taken in. */
    public long changedAtMillis() {
        return changedAtMillis;
    }

    /** When the service last looked for new commits (epoch millis); at most the refresh interval ago while it runs. */
    public long checkedAtMillis() {
        return checkedAtMillis;
    }

    /** Looks for a generation switch and new commits now; the timer calls this too. */
    public synchronized void refresh() {
        checkedAtMillis = System.currentTimeMillis();
        Optional<Generation> live = layout.current();
        GenerationReaders old = current;
        if (live.isEmpty()) {
            problem = "no generation yet at " + layout.root() + ": nothing has been indexed";
            return;
        }
        Generation generation = live.get();
        try {
            if (old == null || !old.generation.equals(generation) || old.shards.size() < old.manifest.shardCount()) {
                GenerationReaders opened = open(generation);
                if (opened == null) {
                    return;
                }
                if (old == null || !old.generation.equals(generation)) {
                    LOG.info("Searching {} ({} shards, model {})", generation.name(), opened.shards.size(), opened.manifest.modelId());
                }
                current = opened;
                problem = null;
                changedAtMillis = System.currentTimeMillis();
                if (old != null) {
                    old.decRef();
                }
            } else {
                boolean changed = false;
                for (ShardReader shard : old.shards) {
                    changed |= shard.refresh();
                }
                if (changed) {
                    changedAtMillis = System.currentTimeMillis();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + generation.dir(), e);
        }
    }

    private GenerationReaders open(Generation generation) throws IOException {
        Manifest manifest = Manifest.read(generation.manifestFile());
        try {
            manifest.requireCompatible(embedder.modelId(), embedder.dimensions());
        } catch (IllegalStateException e) {
            if (!e.getMessage().equals(problem)) {
                LOG.error("Refusing to search {}: {}", generation.name(), e.getMessage());
            }
            problem = e.getMessage();
            return null;
        }
        List<ShardReader> shards = new ArrayList<>();
        for (int k = 0; k < manifest.shardCount(); k++) {
            // A shard with nothing published yet is looked for again on the next refresh.
            ShardReader.open(generation.shardDir(k)).ifPresent(shards::add);
        }
        return new GenerationReaders(generation, manifest, shards);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("Index refresh failed, will retry: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        refresher.shutdownNow();
        GenerationReaders old = current;
        current = null;
        if (old != null) {
            old.decRef();
        }
    }

    /** One search's view of the live generation: a searcher over all shards. */
    public static final class Snapshot implements Closeable {
        private final GenerationReaders owner;
        private final List<DirectoryReader> readers;
        private final IndexReader reader;
        private final IndexSearcher searcher;

        private Snapshot(GenerationReaders owner, List<DirectoryReader> readers) throws IOException {
            this.owner = owner;
            this.readers = readers;
            // A MultiReader that does not own its shards still holds a reference to each; closed in close().
            this.reader = readers.size() == 1 ? readers.get(0) : new MultiReader(readers.toArray(IndexReader[]::new), false);
            this.searcher = new IndexSearcher(reader);
        }

        /** Empty while no generation has been switched in. */
        public Optional<Generation> generation() {
            return owner == null ? Optional.empty() : Optional.of(owner.generation);
        }

        /** What the generation was built with (model, analyzer); empty while there is none. */
        public Optional<Manifest> manifest() {
            return owner == null ? Optional.empty() : Optional.of(owner.manifest);
        }

        public IndexSearcher searcher() {
            return searcher;
        }

        /** Units indexed (live Lucene documents). */
        public int units() {
            return searcher.getIndexReader().numDocs();
        }

        @Override
        public void close() throws IOException {
            if (reader instanceof MultiReader multi) {
                multi.close();
            }
            if (owner == null) {
                return;
            }
            for (DirectoryReader r : readers) {
                ShardReader.release(r);
            }
            owner.decRef();
        }
    }

    /** The shard readers of one generation, closed when the last search using them ends. */
    private static final class GenerationReaders {
        final Generation generation;
        final Manifest manifest;
        final List<ShardReader> shards;
        private final AtomicInteger refs = new AtomicInteger(1);

        GenerationReaders(Generation generation, Manifest manifest, List<ShardReader> shards) {
            this.generation = generation;
            this.manifest = manifest;
            this.shards = shards;
        }

        boolean tryIncRef() {
            for (int n = refs.get(); n > 0; n = refs.get()) {
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        void decRef() {
            if (refs.decrementAndGet() == 0) {
                for (ShardReader shard : shards) {
                    try {
                        shard.close();
                    } catch (IOException e) {
                        LOG.warn("Closing a reader of {} failed: {}", generation.name(), e.getMessage());
                    }
                }
            }
        }
    }
}
