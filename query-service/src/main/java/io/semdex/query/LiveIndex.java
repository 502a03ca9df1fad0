package io.semdex.query;

import io.semdex.core.EmbedFailure;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.EmbedderSpec;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
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
 *
 * <p>A generation and the query embedder of its model are one pair: a snapshot carries both, so a
 * search embeds its query with the model that made the vectors it compares with. Built with a
 * {@link QueryModels} opener, the index follows a switch to a generation of another model (a
 * {@code semdex reindex --model}): it opens that model, from the spec the manifest records, before
 * the generation goes live here, swaps both at once, and closes the old model when the last search
 * using it ends. Built without one, it refuses generations of another model.
 *
 * <p>A model is opened off the refresh lock, on a thread of its own, while the old generation
 * goes on being searched and refreshed: new commits keep arriving during a load that takes
 * minutes. A model that cannot be opened leaves the old generation live and is reported
 * ({@link #switchFailure()}); it is tried again after {@link #RETRY_AFTER}. Only at start, with
 * nothing to search yet, is a model opened in the refresh itself.
 */
public final class LiveIndex implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveIndex.class);

    private final IndexLayout layout;
    /** The model of the service's own embedder: generations built with it are searched with it. */
    private final EmbedderInfo embedder;
    /** The service's own embedder as a pair member; null when the caller embeds queries itself. */
    private final QueryModel configured;
    /** Opens the model of a generation built with another one; null to refuse such generations. */
    private final QueryModels models;
    private volatile ScheduledExecutorService refresher;
    /** Opens the models of new generations, off the refresh lock. */
    private final Executor loader;
    private volatile GenerationReaders current;
    private volatile Problem problem;
    /** The model being opened for a generation that is live on disk but not yet searched here; null when none. */
    private PendingModel pending;
    /** Why the live generation on disk is not the one searched here; null when it is (or nothing failed). */
    private volatile SwitchFailure switchFailure;
    private long retryAt;
    /** When a refresh last found new data (a commit or a generation switch), and when it last looked. */
    private volatile long changedAtMillis = System.currentTimeMillis();
    private volatile long checkedAtMillis = System.currentTimeMillis();

    /** How long a model that could not be opened waits before it is tried again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    /** Why the index cannot be searched: there is no generation yet, or its model cannot be had. */
    public record Problem(Kind kind, String message) {
        public enum Kind { NO_GENERATION, MODEL }
    }

    /**
     * A generation that is live on disk ({@code CURRENT} names it) but not searched here, because its
     * model could not be opened; the one before it goes on being searched.
     *
     * @param atMillis when it last failed (epoch millis)
     */
    public record SwitchFailure(String generation, String reason, long atMillis) {}

    /** A model being opened for {@code generation}, off the refresh lock. */
    private record PendingModel(Generation generation, String spec, CompletableFuture<Embedder> opened) {}

    /**
     * Why the ingest job's embed stage stopped, as it recorded beside this index ({@link EmbedFailure});
     * empty while it runs, or after its next successful model call.
     */
    public Optional<EmbedFailure> embedFailure() {
        return EmbedFailure.read(layout.root());
    }

    /**
     * @param embedder the query embedder; a generation built with another model is refused
     * @param refreshMillis how often to look for new commits and generation switches
     */
    public LiveIndex(IndexLayout layout, EmbedderInfo embedder, long refreshMillis) {
        this(layout, embedder, null, null, refreshMillis, null);
    }

    /**
     * An index whose snapshots carry their query embedder ({@link Snapshot#embedder()}).
     *
     * @param embedder embeds queries for generations built with its model, and while there is no
     *     generation; the caller closes it, after this index
     * @param models opens the model of a generation built with another one
     */
    public LiveIndex(IndexLayout layout, Embedder embedder, QueryModels models, long refreshMillis) {
        this(layout, embedder.info(), new QueryModel(embedder, false), models, refreshMillis, null);
    }

    /** As {@link #LiveIndex(IndexLayout, Embedder, QueryModels, long)}, opening models on {@code loader} (a test's own). */
    LiveIndex(IndexLayout layout, Embedder embedder, QueryModels models, long refreshMillis, Executor loader) {
        this(layout, embedder.info(), new QueryModel(embedder, false), models, refreshMillis, loader);
    }

    private LiveIndex(IndexLayout layout, EmbedderInfo embedder, QueryModel configured, QueryModels models, long refreshMillis,
            Executor loader) {
        this.layout = layout;
        this.embedder = embedder;
        this.configured = configured;
        this.models = models;
        this.loader = loader != null ? loader : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "semdex-query-model-loader");
            t.setDaemon(true);
            return t;
        });
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
                return new Snapshot(null, List.of(), configured == null ? null : configured.embedder);
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
                    return new Snapshot(readers, acquired, readers.model == null ? null : readers.model.embedder);
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
        return Optional.ofNullable(problem).map(Problem::message);
    }

    /** Why the index cannot be searched, with its kind; empty when it can. */
    public Optional<Problem> unsearchable() {
        return Optional.ofNullable(problem);
    }

    /**
     * Why a generation that is live on disk is not searched here, the one before it being searched
     * instead: its query model could not be opened here, or (written by the process that ran its
     * hand-over) its hand-over was given up before the switch. Empty when neither.
     */
    public Optional<SwitchFailure> switchFailure() {
        SwitchFailure own = switchFailure;
        if (own != null) {
            return Optional.of(own);
        }
        return Handoff.newestFailed(layout).map(f -> new SwitchFailure(f.generation().name(), f.failure().reason(),
                f.failure().at().toEpochMilli()));
    }

    /** The model queries are embedded with now: that of the live generation's pair, or the service's own. */
    public EmbedderInfo queryModel() {
        GenerationReaders readers = current;
        return readers != null && readers.model != null ? readers.model.embedder.info() : embedder;
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
            problem = new Problem(Problem.Kind.NO_GENERATION, "no generation yet at " + layout.root() + ": nothing has been indexed");
            return;
        }
        Generation generation = live.get();
        try {
            if (old == null || !old.generation.equals(generation) || old.shards.size() < old.manifest.shardCount()) {
                GenerationReaders opened = open(generation, old);
                if (opened != null) {
                    if (old == null || !old.generation.equals(generation)) {
                        LOG.info("Searching {} ({} shards, model {}, {} dimensions)", generation.name(), opened.shards.size(),
                                opened.manifest.modelId(), opened.manifest.dimensions());
                    }
                    current = opened;
                    problem = null;
                    switchFailure = null;
                    changedAtMillis = System.currentTimeMillis();
                    if (old != null) {
                        old.decRef();
                    }
                    return;
                }
                if (old == null) {
                    return; // nothing searched yet
                }
                // Not searchable yet (its model is being opened) or not at all: the old generation goes on, new commits included.
            }
            boolean changed = false;
            for (ShardReader shard : old.shards) {
                changed |= shard.refresh();
            }
            if (changed) {
                changedAtMillis = System.currentTimeMillis();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + generation.dir(), e);
        }
    }

    /**
     * The generation's readers paired with its query model, or null when its model is not at hand:
     * being opened (the old generation goes on meanwhile), or not to be had (said in {@link #problem}
     * when nothing else is searched, else in {@link #switchFailure}).
     */
    private GenerationReaders open(Generation generation, GenerationReaders old) throws IOException {
        Manifest manifest = Manifest.read(generation.manifestFile());
        QueryModel model;
        try {
            model = needsOpening(manifest, old) ? opened(generation, manifest, old) : atHand(manifest, old);
        } catch (IllegalStateException e) {
            unusable(generation, e.getMessage(), old);
            return null;
        }
        if (model == NOT_YET) {
            return null;
        }
        List<ShardReader> shards = new ArrayList<>();
        try {
            for (int k = 0; k < manifest.shardCount(); k++) {
                // A shard with nothing published yet is looked for again on the next refresh.
                ShardReader.open(generation.shardDir(k)).ifPresent(shards::add);
            }
        } catch (IOException | RuntimeException e) {
            for (ShardReader shard : shards) {
                shard.close();
            }
            if (model != null) {
                model.release();
            }
            throw e;
        }
        return new GenerationReaders(generation, manifest, shards, model);
    }

    /** Whether the generation's model is neither the service's own nor the one the searched generation uses. */
    private boolean needsOpening(Manifest manifest, GenerationReaders old) {
        if (manifest.sameModel(embedder.modelId(), embedder.dimensions()) || models == null) {
            return false;
        }
        if (old != null && old.model != null) {
            EmbedderInfo previous = old.model.embedder.info();
            return !manifest.sameModel(previous.modelId(), previous.dimensions());
        }
        return true;
    }

    /**
     * The query model already open for a generation, with a reference taken: the service's own when
     * the manifest names its model, else the one the searched generation uses.
     *
     * @throws IllegalStateException when the index has no opener and the generation is of another model
     */
    private QueryModel atHand(Manifest manifest, GenerationReaders old) {
        if (manifest.sameModel(embedder.modelId(), embedder.dimensions())) {
            if (configured != null) {
                configured.retain();
            }
            return configured;
        }
        if (models == null) {
            manifest.requireCompatible(embedder.modelId(), embedder.dimensions()); // throws, naming both models
        }
        old.model.retain(); // old holds its own reference until it is replaced, so the model is still open
        return old.model;
    }

    /** Stands for "the model is being opened": {@link #open} returns null for it. */
    private static final QueryModel NOT_YET = new QueryModel(null, false);

    /**
     * The generation's own model, opened from the spec its manifest records: in the refresh itself
     * when nothing is searched yet, else on {@link #loader}, NOT_YET until it is open.
     *
     * @throws IllegalStateException when it cannot be opened (now, or by the load that just ended)
     */
    private QueryModel opened(Generation generation, Manifest manifest, GenerationReaders old) {
        String spec = manifest.modelSpecOrId();
        if (old == null) {
            return new QueryModel(openModel(generation, manifest), true); // nothing to search meanwhile
        }
        if (pending != null && pending.generation().equals(generation) && pending.spec().equals(spec)) {
            if (!pending.opened().isDone()) {
                return NOT_YET;
            }
            CompletableFuture<Embedder> done = pending.opened();
            pending = null;
            try {
                return new QueryModel(done.join(), true);
            } catch (CompletionException e) {
                retryAt = System.nanoTime() + RETRY_AFTER.toNanos();
                throw e.getCause() instanceof IllegalStateException ise ? ise : new IllegalStateException(e.getCause().getMessage(), e);
            }
        }
        if (pending != null) { // opening the model of a generation that is no longer live: close it once open
            pending.opened().thenAccept(Embedder::close);
            pending = null;
        }
        SwitchFailure failed = switchFailure;
        if (failed != null && failed.generation().equals(generation.name()) && System.nanoTime() < retryAt) {
            return NOT_YET;
        }
        LOG.info("Opening query model {} for {}; {} is searched meanwhile", spec, generation.name(), old.generation.name());
        PendingModel load = new PendingModel(generation, spec, new CompletableFuture<>());
        pending = load;
        loader.execute(() -> {
            try {
                load.opened().complete(openModel(generation, manifest));
            } catch (RuntimeException | Error e) {
                load.opened().completeExceptionally(e);
            }
            if (refresher != null && !refresher.isShutdown()) {
                refresher.execute(this::refreshQuietly); // take the new generation in now, not at the next tick
            }
        });
        return load.opened().isDone() ? opened(generation, manifest, old) : NOT_YET;
    }

    /**
     * Opens the model {@code manifest} records, checking that it is the one the vectors were made with.
     * The manifest's spec is parsed here, where it comes off the disk: one that does not parse (a
     * preset this version does not know) is a model that cannot be opened.
     *
     * @throws IllegalStateException when it cannot be opened or is another model
     */
    private Embedder openModel(Generation generation, Manifest manifest) {
        String spec = manifest.modelSpecOrId();
        long start = System.nanoTime();
        Embedder opened;
        try {
            opened = models.open(EmbedderSpec.parse(spec));
        } catch (RuntimeException e) {
            throw new IllegalStateException(String.format("%s was built with model '%s' (%d dimensions), which the query service"
                    + " cannot open: %s", generation.name(), spec, manifest.dimensions(), e.getMessage()), e);
        }
        EmbedderInfo info = opened.info();
        if (!manifest.sameModel(info.modelId(), info.dimensions())) {
            opened.close();
            throw new IllegalStateException(String.format("%s was built with model '%s' (%d dimensions), but its spec '%s' opens"
                    + " model '%s' (%d dimensions)", generation.name(), manifest.modelId(), manifest.dimensions(), spec, info.modelId(),
                    info.dimensions()));
        }
        LOG.info("Opened query model {} ({} dimensions) for {} in {} ms", info.modelId(), info.dimensions(), generation.name(),
                (System.nanoTime() - start) / 1_000_000);
        return opened;
    }

    /** Says why {@code generation} cannot be searched: a problem when nothing else is, else a failed switch (the old one goes on). */
    private void unusable(Generation generation, String reason, GenerationReaders old) {
        if (old == null) {
            if (problem == null || !reason.equals(problem.message())) {
                LOG.error("Refusing to search {}: {}", generation.name(), reason);
            }
            problem = new Problem(Problem.Kind.MODEL, reason);
            return;
        }
        SwitchFailure before = switchFailure;
        if (before == null || !reason.equals(before.reason())) {
            LOG.error("Not switching to {}: {}; {} is still searched (tried again in {} s)", generation.name(), reason,
                    old.generation.name(), RETRY_AFTER.toSeconds());
        }
        switchFailure = new SwitchFailure(generation.name(), reason, System.currentTimeMillis());
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
        if (loader instanceof ExecutorService own) {
            own.shutdownNow();
        }
        if (pending != null) {
            pending.opened().thenAccept(Embedder::close);
            pending = null;
        }
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

        private final Embedder embedder;

        private Snapshot(GenerationReaders owner, List<DirectoryReader> readers, Embedder embedder) throws IOException {
            this.owner = owner;
            this.readers = readers;
            this.embedder = embedder;
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

        /**
         * The query embedder of this snapshot's generation: the model its vectors were made with, open
         * until the snapshot is closed. Null for an index built without its own embedder.
         */
        public Embedder embedder() {
            return embedder;
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

    /** The shard readers of one generation and its query model, released when the last search using them ends. */
    private static final class GenerationReaders {
        final Generation generation;
        final Manifest manifest;
        final List<ShardReader> shards;
        /** Null for an index built without its own embedder. */
        final QueryModel model;
        private final AtomicInteger refs = new AtomicInteger(1);

        GenerationReaders(Generation generation, Manifest manifest, List<ShardReader> shards, QueryModel model) {
            this.generation = generation;
            this.manifest = manifest;
            this.shards = shards;
            this.model = model;
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
                if (model != null) {
                    model.release();
                }
            }
        }
    }

    /** A query embedder shared by the pairs of the generations built with its model; an owned one closes with its last user. */
    private static final class QueryModel {
        final Embedder embedder;
        private final boolean owned;
        private final AtomicInteger refs = new AtomicInteger(1);

        QueryModel(Embedder embedder, boolean owned) {
            this.embedder = embedder;
            this.owned = owned;
        }

        void retain() {
            refs.incrementAndGet();
        }

        void release() {
            if (refs.decrementAndGet() == 0 && owned) {
                LOG.info("Closing query model {}: no generation or search uses it any more", embedder.info().modelId());
                embedder.close();
            }
        }
    }
}
