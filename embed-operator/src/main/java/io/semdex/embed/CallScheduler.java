package io.semdex.embed;

import io.semdex.core.Lane;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The embed stage's queue of model work, apart from Flink: which units go into the next model call,
 * and which documents have all their vectors once a call is done.
 *
 * <p>Each call is one batch of the model's own {@link Batching} (a padded token budget), so calls are
 * short; the interactive lane's always go first, and a worker of that lane alone takes them too
 * ({@link #takeInteractive()}). The bulk lane's units wait in a backlog; when fewer calls are ready than
 * the model has workers, the whole backlog is sorted by length and cut into calls at once (one
 * "round"), so calls pad little, as one large batch would, while each stays short. The backlog plus
 * the ready bulk calls is bounded by {@code bulkUnits}: beyond it the bulk input waits for a worker to
 * take one more call ({@link #bulkMustWait}), and beyond twice that for the lane to drain, which is the
 * bulk lane's backpressure; the interactive lane has none. A bulk document so waits for about one
 * call however many units came before it, and so does an interactive one that comes meanwhile (the
 * stage cannot read it while its bulk input waits).
 *
 * <p>A document's units may go into several calls; it is {@linkplain #done done} when the last one
 * ends. Calls are taken by the model's worker threads ({@link #take()}), everything else happens on
 * one thread (the task thread); the methods are synchronized where the two meet.
 *
 * <pre>{@code
 * CallScheduler<String> scheduler = new CallScheduler<>(Batching.CPU_DEFAULT, 256);
 * scheduler.add("doc-1", Lane.BULK, List.of(new CallScheduler.Part(0, "hash", "text", 12)));
 * CallScheduler.Call<String> call = scheduler.take();      // on a worker: the next call, interactive first
 * List<String> complete = scheduler.done(call);            // on the task thread: ["doc-1"]
 * }</pre>
 *
 * @param <D> the caller's handle of a document
 */
public final class CallScheduler<D> {

    /**
     * One unit of a document that needs a vector.
     *
     * @param index the unit's position in its document
     * @param key the reuse key of its vector
     * @param text what the model reads
     * @param tokens its length in the model's tokens, for packing
     */
    public record Part(int index, String key, String text, int tokens) {}

    /** One unit of a call, with the document it belongs to. */
    public record Item<D>(D owner, Part part) {}

    /** One model call: units of one lane, whose results go back to {@link #done}. */
    public record Call<D>(Lane lane, List<Item<D>> items) {
        public Call {
            items = List.copyOf(items);
        }

        public int units() {
            return items.size();
        }
    }

    private final Batching batching;
    private final int bulkUnits;
    private final int workers;
    private final List<Item<D>> bulkBacklog = new ArrayList<>();
    private final ArrayDeque<Call<D>> readyBulk = new ArrayDeque<>();
    private int readyBulkUnits;
    private final List<Item<D>> interactiveBacklog = new ArrayList<>();
    private final ArrayDeque<Call<D>> readyInteractive = new ArrayDeque<>();
    /** Parts not yet done, per document. */
    private final Map<D, Integer> remaining = new IdentityHashMap<>();
    private int running;
    private long bulkTaken;
    private boolean closed;

    /**
     * @param batching the model's batching: the size of one call
     * @param bulkUnits bulk units admitted but not yet taken by a worker, beyond which the bulk input waits
     * @param workers model calls that run at once; a round is cut when fewer bulk calls than this are ready
     */
    public CallScheduler(Batching batching, int bulkUnits, int workers) {
        this.batching = Objects.requireNonNull(batching, "batching");
        if (bulkUnits < 1) {
            throw new IllegalArgumentException("bulkUnits must be >= 1, got " + bulkUnits);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.bulkUnits = bulkUnits;
        this.workers = workers;
    }

    public CallScheduler(Batching batching, int bulkUnits) {
        this(batching, bulkUnits, 1);
    }

    /** Queues the parts of {@code doc} that need a vector; a document with none is not queued (it is done already). */
    public synchronized void add(D doc, Lane lane, List<Part> parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (remaining.putIfAbsent(doc, parts.size()) != null) {
            throw new IllegalArgumentException("document " + doc + " is queued already");
        }
        List<Item<D>> backlog = lane == Lane.INTERACTIVE ? interactiveBacklog : bulkBacklog;
        for (Part part : parts) {
            backlog.add(new Item<>(doc, part));
        }
        if (lane == Lane.INTERACTIVE) {
            // In arrival order, not sorted: the first posted leaves first.
            cut(interactiveBacklog, readyInteractive, false);
        } else if (readyBulk.isEmpty() && running < workers) {
            cutBulkRound(); // a worker is idle: it takes what there is now
        }
        notifyAll();
    }

    /** Whether the bulk lane holds as many units as it may before its input must wait. */
    public synchronized boolean bulkFull() {
        return bulkBacklog.size() + readyBulkUnits >= bulkUnits;
    }

    /** Bulk calls the workers have taken so far: what a waiting bulk input compares with ({@link #bulkMustWait}). */
    public synchronized long bulkCallsTaken() {
        return bulkTaken;
    }

    /**
     * Whether the bulk input, which began to wait when {@code takenBefore} bulk calls had been taken, must
     * go on waiting: while the lane is {@linkplain #bulkFull() full}, until a worker takes one more bulk
     * call; while it holds twice its bound, until it holds less.
     */
    public synchronized boolean bulkMustWait(long takenBefore) {
        int held = bulkBacklog.size() + readyBulkUnits;
        return held >= bulkUnits && (bulkTaken == takenBefore || held >= 2L * bulkUnits);
    }

    /**
     * Whether the interactive lane holds as many units waiting for a worker as the bulk lane may: a
     * flood on the interactive lane (an export sent with {@code --interactive}) then waits too, rather
     * than filling memory and checkpoints; single writes never come near it.
     */
    public synchronized boolean interactiveFull() {
        int waiting = 0;
        for (Call<D> call : readyInteractive) {
            waiting += call.units();
        }
        return waiting >= bulkUnits;
    }

    /**
     * The next call to run, interactive first, waiting while there is none; null once {@link #close() closed}.
     * For the model's worker threads.
     */
    public synchronized Call<D> take() throws InterruptedException {
        while (!closed) {
            Call<D> call = poll();
            if (call != null) {
                return call;
            }
            wait();
        }
        return null;
    }

    /**
     * The next call of the interactive lane, waiting while there is none; null once {@link #close() closed}. For
     * the worker kept for that lane, which runs beside the others.
     */
    public synchronized Call<D> takeInteractive() throws InterruptedException {
        while (!closed) {
            Call<D> call = readyInteractive.poll();
            if (call != null) {
                running++;
                return call;
            }
            wait();
        }
        return null;
    }

    /** The next call to run, interactive first, or null when none is ready. */
    public synchronized Call<D> poll() {
        Call<D> call = readyInteractive.poll();
        if (call == null) {
            if (readyBulk.size() < workers) {
                cutBulkRound(); // the workers are about to run dry: the backlog so far is the next round
            }
            call = readyBulk.poll();
            if (call != null) {
                readyBulkUnits -= call.units();
                bulkTaken++;
            }
        }
        if (call != null) {
            running++;
        }
        return call;
    }

    /**
     * Records that {@code call} ended (with vectors or failures alike) and returns the documents whose
     * last part it was, in the call's order.
     */
    public synchronized List<D> done(Call<D> call) {
        running--;
        List<D> complete = new ArrayList<>();
        for (Item<D> item : call.items()) {
            int left = remaining.merge(item.owner(), -1, Integer::sum);
            if (left == 0) {
                remaining.remove(item.owner());
                complete.add(item.owner());
            }
        }
        notifyAll();
        return complete;
    }

    /** Documents with parts not yet done. */
    public synchronized int documents() {
        return remaining.size();
    }

    /** Calls taken and not yet done. */
    public synchronized int running() {
        return running;
    }

    /** Wakes the workers waiting in {@link #take()} and tells them to stop. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    private void cutBulkRound() {
        cut(bulkBacklog, readyBulk, true);
    }

    /** Cuts {@code backlog} into calls of the model's batch size, sorted by length or in arrival order, and empties it. */
    private void cut(List<Item<D>> backlog, ArrayDeque<Call<D>> ready, boolean sortByLength) {
        if (backlog.isEmpty()) {
            return;
        }
        Lane lane = ready == readyInteractive ? Lane.INTERACTIVE : Lane.BULK;
        if (sortByLength) {
            int[] lengths = backlog.stream().mapToInt(item -> item.part().tokens()).toArray();
            for (int[] batch : batching.plan(lengths)) {
                List<Item<D>> items = new ArrayList<>(batch.length);
                for (int i : batch) {
                    items.add(backlog.get(i));
                }
                add(ready, new Call<>(lane, items));
            }
        } else {
            List<Item<D>> items = new ArrayList<>();
            int longest = 0;
            for (Item<D> item : backlog) {
                int tokens = Math.max(1, item.part().tokens());
                if (!items.isEmpty() && (items.size() >= batching.maxBatchSize()
                        || (long) (items.size() + 1) * Math.max(longest, tokens) > batching.tokenBudget())) {
                    add(ready, new Call<>(lane, items));
                    items = new ArrayList<>();
                    longest = 0;
                }
                items.add(item);
                longest = Math.max(longest, tokens);
            }
            add(ready, new Call<>(lane, items));
        }
        backlog.clear();
    }

    private void add(ArrayDeque<Call<D>> ready, Call<D> call) {
        ready.add(call);
        if (ready == readyBulk) {
            readyBulkUnits += call.units();
        }
    }
}
