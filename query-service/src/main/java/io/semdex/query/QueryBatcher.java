package io.semdex.query;

import io.semdex.embed.Embedder;
import io.semdex.embed.ForwardingEmbedder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * An {@link Embedder} that lets concurrent searches share model calls. A query that finds a model
 * slot free is embedded at once, alone, on its own thread: a single client waits for nothing. A
 * query that finds every slot busy joins the batch that is gathering; the batch goes to the model
 * as soon as a slot frees, when it is full, or after {@link Limits#maxWait()} at the latest, as
 * one call on the thread of its first query, and each query gets its own vector back. A failed
 * call fails every query of its batch.
 *
 * <p>Only single-query {@link #embedQueries} calls (one per search) gather; every other call goes
 * straight to the model, counted as a busy slot.
 *
 * <pre>{@code
 * Embedder shared = QueryBatcher.limitsFor(model)
 *         .<Embedder>map(limits -> new QueryBatcher(model, limits, size -> {}))
 *         .orElse(model);
 * float[] v = shared.embedQueries(List.of("red running shoes")).get(0);
 * }</pre>
 */
final class QueryBatcher extends ForwardingEmbedder {

    /** Longest a query waits for others to share its model call (when the model is busy). */
    static final Duration MAX_WAIT = Duration.ofMillis(5);
    /** Most queries per shared call: beyond this a CPU gains nothing, and a batch's slowest row delays them all. */
    static final int MAX_BATCH = 16;

    /**
     * How queries gather.
     *
     * @param maxBatch most queries per model call
     * @param slots model calls that run at once before queries start to gather (the model's workers)
     * @param maxWait longest a gathering batch waits for a free slot before it goes anyway
     */
    record Limits(int maxBatch, int slots, Duration maxWait) {

        Limits {
            if (maxBatch < 2) {
                throw new IllegalArgumentException("a query batch must take at least 2 queries, got " + maxBatch);
            }
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be >= 1, got " + slots);
            }
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWait);
            }
        }
    }

    /**
     * How queries may share calls of {@code model}, or empty where they must not. An in-process
     * model that takes one text per call (a dynamically quantized one, whose vectors would depend
     * on their batch neighbours; or one set to {@code batch-size=1}) keeps every query alone, so
     * a query's vector stays the one its documents were matched against in the eval. A remote
     * server batches concurrent requests itself.
     */
    static Optional<Limits> limitsFor(Embedder model) {
        if (!model.inProcess() || model.batching().maxBatchSize() <= 1) {
            return Optional.empty();
        }
        return Optional.of(new Limits(Math.min(MAX_BATCH, model.batching().maxBatchSize()), model.workers(), MAX_WAIT));
    }

    /** Queries that share one model call; guarded by the batcher's lock. */
    private static final class Batch {
        final List<String> queries = new ArrayList<>();
        final long openedNanos;
        List<float[]> vectors;
        Throwable failure;
        boolean done;

        Batch(long openedNanos) {
            this.openedNanos = openedNanos;
        }
    }

    private final Limits limits;
    private final IntConsumer batchSizes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a slot frees, a batch fills or completes, or the batcher closes. */
    private final Condition changed = lock.newCondition();
    private int busySlots;
    /** The batch new queries join, or null when none is gathering. */
    private Batch gathering;
    private boolean closed;

    /**
     * @param batchSizes told the number of queries of each model call made for searches
     */
    QueryBatcher(Embedder model, Limits limits, IntConsumer batchSizes) {
        super(model);
        this.limits = limits;
        this.batchSizes = batchSizes;
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        if (queries.size() != 1) {
            return direct(() -> delegate.embedQueries(queries));
        }
        Batch batch;
        boolean first;
        int position = 0;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the query embedder of " + delegate.info().modelId() + " is closed");
            }
            if (gathering == null && busySlots < limits.slots()) {
                busySlots++;
                batch = null;
                first = false;
            } else {
                first = gathering == null;
                if (first) {
                    gathering = new Batch(System.nanoTime());
                }
                batch = gathering;
                batch.queries.add(queries.get(0));
                position = batch.queries.size() - 1;
                if (batch.queries.size() == limits.maxBatch()) {
                    gathering = null; // full: later queries start the next batch
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        if (batch == null) {
            return alone(queries);
        }
        return first ? lead(batch) : follow(batch, position);
    }

    /** The model free: the query goes at once, as it would without a batcher. */
    private List<float[]> alone(List<String> queries) {
        try {
            List<float[]> vectors = delegate.embedQueries(queries);
            batchSizes.accept(1);
            return vectors;
        } finally {
            release();
        }
    }

    /** The first query of a batch waits for a free slot (at most maxWait), then embeds the batch for all. */
    private List<float[]> lead(Batch batch) {
        List<String> texts;
        boolean interrupted = false;
        lock.lock();
        try {
            long deadline = batch.openedNanos + limits.maxWait().toNanos();
            while (!closed && batch.queries.size() < limits.maxBatch() && busySlots >= limits.slots()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true; // the batch's other queries wait on this thread: embed them, then pass the interrupt on
                    break;
                }
            }
            if (gathering == batch) {
                gathering = null;
            }
            busySlots++; // may exceed the slots after maxWait: the call then queues inside the model
            texts = List.copyOf(batch.queries);
        } finally {
            lock.unlock();
        }
        List<float[]> vectors = null;
        Throwable failure = null;
        try {
            vectors = delegate.embedQueries(texts);
            if (vectors.size() != texts.size()) {
                throw new IllegalStateException("the model returned " + vectors.size() + " vectors for " + texts.size() + " queries");
            }
            batchSizes.accept(texts.size());
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        lock.lock();
        try {
            batch.vectors = vectors;
            batch.failure = failure;
            batch.done = true;
            busySlots--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return List.of(vectors.get(0));
    }

    /** A later query of a batch waits for the batch's call and takes its own vector from it. */
    private List<float[]> follow(Batch batch, int position) {
        lock.lock();
        try {
            while (!batch.done) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the query's embedding", e);
                }
            }
            if (batch.failure != null) {
                throw new IllegalStateException("embedding a batch of " + batch.queries.size() + " queries failed: "
                        + batch.failure.getMessage(), batch.failure);
            }
            return List.of(batch.vectors.get(position));
        } finally {
            lock.unlock();
        }
    }

    private interface Call {
        List<float[]> run();
    }

    private List<float[]> direct(Call call) {
        lock.lock();
        try {
            busySlots++;
        } finally {
            lock.unlock();
        }
        try {
            return call.run();
        } finally {
            release();
        }
    }

    private void release() {
        lock.lock();
        try {
            busySlots--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Queries in the batch gathering now, 0 when none is (lets a test know that its queries have joined). */
    int gathering() {
        lock.lock();
        try {
            return gathering == null ? 0 : gathering.queries.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return direct(() -> delegate.embedDocuments(texts));
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        return direct(() -> delegate.embedTexts(texts));
    }

    @Override
    public List<float[]> embedTokens(List<long[]> tokenIds) {
        return direct(() -> delegate.embedTokens(tokenIds));
    }

    /**
     * Refuses new queries and closes the model. A batch still gathering goes at once (and fails
     * with the model's closed error, which reaches each of its queries); calls in flight finish
     * as the model's close allows.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        delegate.close();
    }
}
