package io.semdex.embed;

import io.semdex.core.ContentHash;
import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.SplitDocument;
import io.semdex.core.Unit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink stage that embeds documents: {@link SplitDocument} in, {@link EmbeddedDocument} out,
 * on a stream keyed by document id. One model instance per subtask, opened in {@link #open()} on
 * a GPU of the TaskManager's Flink GPU resource that no other subtask of this TaskManager uses, when
 * there is one free ({@link TaskManagerGpus}).
 *
 * <p>Documents wait in a buffer so units of many documents share model calls; a document is never
 * split across outputs, because the sink replaces a document's units as one block. The buffer is
 * flushed by {@link FlushPolicy}, and before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}), so no unit is ever held outside a checkpoint: everything
 * that arrived before a barrier leaves before it, and the buffer needs no state of its own.
 *
 * <p>Model calls do not stall the task thread. A flushed buffer becomes one batch that runs on the
 * operator's own call thread (which hands it to the embedder's workers), while the task thread goes
 * on reading, splitting and buffering the next documents, and the chained sink commits. At most
 * {@value #MAX_BATCHES_IN_FLIGHT} batches are in flight; one more waits by yielding to the mailbox,
 * which is backpressure. Results come back through Flink's {@link MailboxExecutor}, so state
 * access, dead letters and output stay on the task thread, and batches leave in the order they were
 * flushed. Before a barrier, a watermark, and at the end of input the operator yields until nothing is
 * in flight: a checkpoint never has a model call pending, so it needs no extra state, and a failure
 * drops the calls in flight with the task and replays their records from the last checkpoint.
 *
 * <p>Unchanged units are not embedded again: keyed state holds, per document, the vector of each
 * unit under its content hash and the model's {@link EmbedderSpec#fingerprint() fingerprint}.
 * Editing one paragraph of a re-sent document costs one paragraph of model time. The counters
 * {@code semdexUnitsEmbedded} and {@code semdexUnitsReused} say how many units took which road.
 *
 * <p>A failing model call is contained per document. A {@link #isTransient transient} failure
 * (timeout, connection error, a remote server's 408/429/5xx) is retried with backoff and, when the
 * retries are spent, fails the task: it is never blamed on a document. Any other failure bisects the
 * batch by document until each failing document has failed alone; those, and documents that got a
 * NaN or infinite vector, go to the {@link #DEAD_LETTERS} side output with stage {@code embed}
 * (counted in the accumulator {@code semdex.dead-letters.embed}), and the others leave in arrival
 * order. A model that fails on every input fails the task instead: every document of a bisected
 * batch of at least {@value #MIN_BATCH_TO_JUDGE} failing alone, {@value #MAX_CONSECUTIVE_FAILURES}
 * failing documents in a row with none succeeding, or an {@link Error} such as
 * {@link OutOfMemoryError}.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<EmbeddedDocument> embedded =
 *         EmbedOperator.embed(split.keyBy(SplitDocument::docId), EmbedderSpec.parse("bge-small-zh-v1.5"));
 * }</pre>
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddedDocument>
        implements OneInputStreamOperator<SplitDocument, EmbeddedDocument>, BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedOperator.class);

    /** Documents the model failed on, as dead letters with stage {@code embed}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters-embed", TypeInformation.of(DeadLetter.class));

    /** Failing documents in a row, none succeeding in between, after which the model is at fault, not the records. */
    static final int MAX_CONSECUTIVE_FAILURES = 8;
    /** A bisected batch of at least this many documents that all fail alone means the model fails on every input. */
    static final int MIN_BATCH_TO_JUDGE = 3;
    private static final int TRANSIENT_ATTEMPTS = 4;
    private static final long TRANSIENT_BACKOFF_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    /**
     * Batches whose model call runs or waits while the task thread goes on: one on the model, one
     * ready behind it, so the model never waits for the task thread to pack the next.
     */
    static final int MAX_BATCHES_IN_FLIGHT = 2;
    /** How long closing waits for a model call in flight before it releases the model anyway. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    /**
     * Set in the Flink configuration of a TaskManager whose JVM also serves queries (the embedded
     * stack): the embed tasks then take their model from {@link SharedEmbedders}, so one instance
     * serves the job and the query service.
     */
    public static final ConfigOption<Boolean> SHARE_MODEL = ConfigOptions.key("semdex.embed.share-model")
            .booleanType()
            .defaultValue(false)
            .withDescription("Embed tasks take their model from the JVM's shared embedders (same JVM as the query service).");

    private final EmbedderFactory factory;
    /** As given, or null to take the spec's in {@link #open()}. */
    private final String fingerprint;
    private final FlushPolicy flushPolicy;
    private final int transientAttempts;
    private final long transientBackoffMillis;

    private transient Embedder embedder;
    /** The fingerprint in force: the one given, or the spec's, read where the model file is. */
    private transient String modelFingerprint;
    private transient TaskManagerGpus.Lease gpu;
    private transient FlushPolicy policy;
    private transient MapState<String, float[]> storedVectors;
    private transient ArrayDeque<Pending> buffer;
    private transient int bufferedUnits;
    private transient long bufferStartedAt;
    private transient boolean timerPending;
    private transient Counter unitsEmbedded;
    private transient Counter unitsReused;
    private transient Counter deadLettered;
    private transient LongCounter deadLetterCount;
    /** Documents that failed in a row, across flushes, with none succeeding in between. */
    private transient int consecutiveFailures;
    private transient MailboxExecutor mailbox;
    /** Runs each batch's model calls (with retries and bisection) off the task thread. */
    private transient ExecutorService calls;
    /** Flushed batches in flush order; the head leaves first, once its call is done. */
    private transient ArrayDeque<Batch> inFlight;

    /**
     * @param fingerprint what a stored vector depends on besides the text; stored vectors made under
     *     another fingerprint (another model file, server, dimension count, prefix) are never reused.
     *     Null when {@code factory} is an {@link EmbedderSpec}: its {@link EmbedderSpec#fingerprint()}
     *     is then taken in the task, where the model file is (a cluster's client may not have it)
     * @param flushPolicy when to flush, or null for the default of the device the model opens on
     */
    public EmbedOperator(EmbedderFactory factory, String fingerprint, FlushPolicy flushPolicy) {
        this(factory, fingerprint, flushPolicy, TRANSIENT_ATTEMPTS, TRANSIENT_BACKOFF_MILLIS);
    }

    /**
     * @param transientAttempts model calls tried per batch while failures are transient, before the task fails
     * @param transientBackoffMillis the wait after the first transient failure, doubled after each further one
     */
    EmbedOperator(EmbedderFactory factory, String fingerprint, FlushPolicy flushPolicy, int transientAttempts, long transientBackoffMillis) {
        this.factory = Objects.requireNonNull(factory, "factory");
        if (fingerprint == null && !(factory instanceof EmbedderSpec)) {
            throw new IllegalArgumentException("a fingerprint is needed for a " + factory.getClass().getSimpleName()
                    + "; only an EmbedderSpec fingerprints its model itself");
        }
        this.fingerprint = fingerprint;
        this.flushPolicy = flushPolicy;
        if (transientAttempts < 1) {
            throw new IllegalArgumentException("transientAttempts must be >= 1, got " + transientAttempts);
        }
        this.transientAttempts = transientAttempts;
        this.transientBackoffMillis = transientBackoffMillis;
    }

    /**
     * Adds the embedding stage for {@code spec} after {@code documents}; its dead letters are
     * {@code getSideOutput(EmbedOperator.DEAD_LETTERS)} of the returned stream.
     */
    public static SingleOutputStreamOperator<EmbeddedDocument> embed(KeyedStream<SplitDocument, String> documents, EmbedderSpec spec) {
        return embed(documents, spec, null, null); // the spec fingerprints its model file in the task
    }

    public static SingleOutputStreamOperator<EmbeddedDocument> embed(
            KeyedStream<SplitDocument, String> documents, EmbedderFactory factory, String fingerprint, FlushPolicy flushPolicy) {
        return documents.transform("embed", TypeInformation.of(EmbeddedDocument.class), new EmbedOperator(factory, fingerprint, flushPolicy));
    }

    /** What a batch's model calls found: vectors by reuse key, and the documents at fault with the reason. */
    private record Outcome(Map<String, float[]> fresh, Map<Pending, String> failed) {}

    /** One flushed buffer: its documents in arrival order, and the model calls' outcome once done. */
    private record Batch(List<Pending> docs, List<Pending> waiting, CompletableFuture<Outcome> outcome) {}

    /** One document waiting for its missing vectors. */
    private record Pending(SplitDocument doc, String[] keys, float[][] vectors, boolean hasTimestamp, long timestamp) {

        boolean waitsForVectors() {
            for (float[] v : vectors) {
                if (v == null) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void setMailboxExecutor(MailboxExecutor mailboxExecutor) {
        super.setMailboxExecutor(mailboxExecutor);
        this.mailbox = mailboxExecutor;
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (mailbox == null) {
            mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(getOperatorConfig().getChainIndex());
        }
        inFlight = new ArrayDeque<>();
        modelFingerprint = fingerprint != null ? fingerprint : ((EmbedderSpec) factory).fingerprint();
        storedVectors = getRuntimeContext().getMapState(new MapStateDescriptor<>("unit-vectors", String.class, float[].class));
        buffer = new ArrayDeque<>();
        unitsEmbedded = getMetricGroup().counter("semdexUnitsEmbedded");
        unitsReused = getMetricGroup().counter("semdexUnitsReused");
        deadLettered = getMetricGroup().counter("semdexDeadLettered");
        deadLetterCount = getRuntimeContext().getLongCounter(DeadLetter.Stage.EMBED.accumulatorName());
        // Every slot of a TaskManager sees all of its GPUs; each subtask leases one of its own.
        List<String> gpus = gpuIndices();
        gpu = gpus.isEmpty() ? null : TaskManagerGpus.acquire(gpus);
        Slot slot = new Slot(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), gpu == null ? List.of() : List.of(gpu.index()));
        boolean share = factory instanceof EmbedderSpec
                && getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration().get(SHARE_MODEL);
        embedder = share ? SharedEmbedders.acquire((EmbedderSpec) factory, slot) : factory.open(slot);
        String subtask = getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks();
        calls = Executors.newFixedThreadPool(MAX_BATCHES_IN_FLIGHT, runnable -> {
            Thread thread = new Thread(runnable, "semdex-embed-calls " + subtask);
            thread.setDaemon(true);
            return thread;
        });
        policy = flushPolicy != null ? flushPolicy : FlushPolicy.defaultFor(embedder.info());
    }

    private List<String> gpuIndices() {
        List<String> indices = new ArrayList<>();
        for (ExternalResourceInfo gpu : getRuntimeContext().getExternalResourceInfos("gpu")) {
            Optional<String> index = gpu.getProperty("index");
            index.ifPresent(indices::add);
        }
        indices.sort(null);
        return indices;
    }

    @Override
    public void processElement(StreamRecord<SplitDocument> element) throws Exception {
        SplitDocument doc = element.getValue();
        List<Unit> units = doc.units();
        String[] keys = new String[units.size()];
        float[][] vectors = new float[units.size()][];
        int missing = 0;
        for (int i = 0; i < keys.length; i++) {
            keys[i] = reuseKey(units.get(i));
            vectors[i] = storedVectors.get(keys[i]);
            if (vectors[i] == null) {
                missing++;
            }
        }
        // Keep the timestamp, not the record: the runtime may reuse record objects.
        Pending pending = new Pending(doc, keys, vectors, element.hasTimestamp(), element.getTimestamp());
        if (missing == 0 && buffer.isEmpty() && inFlight.isEmpty()) {
            // Nothing to compute and nothing ahead of it: a delete or an unchanged re-send goes straight through.
            complete(pending, 0);
            return;
        }
        if (buffer.isEmpty()) {
            bufferStartedAt = getProcessingTimeService().getCurrentProcessingTime();
        }
        buffer.add(pending);
        bufferedUnits += missing;
        if (bufferedUnits >= policy.maxUnits()) {
            flush();
        } else {
            scheduleTimeout();
        }
    }

    /** Hashes exactly what the model would read, so any change to the text or its context re-embeds. */
    private String reuseKey(Unit unit) {
        return ContentHash.of(modelFingerprint, unit.embeddingInput());
    }

    private void scheduleTimeout() {
        if (!timerPending) {
            timerPending = true;
            getProcessingTimeService().registerTimer(bufferStartedAt + policy.maxDelay().toMillis(), this::onTimeout);
        }
    }

    private void onTimeout(long time) throws Exception {
        timerPending = false;
        if (buffer.isEmpty()) {
            return;
        }
        if (time >= bufferStartedAt + policy.maxDelay().toMillis()) {
            flush();
        } else {
            scheduleTimeout(); // the buffer was flushed by size since, and refilled later
        }
    }

    /**
     * Hands every missing unit in the buffer to the model as one batch, off the task thread; the
     * documents leave in arrival order when it is done ({@link #emitDone()}). Waits, by running other
     * mail, while {@value #MAX_BATCHES_IN_FLIGHT} batches are in flight already.
     */
    private void flush() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        while (inFlight.size() >= MAX_BATCHES_IN_FLIGHT) {
            mailbox.yield();
        }
        List<Pending> docs = new ArrayList<>(buffer);
        buffer.clear();
        bufferedUnits = 0;
        List<Pending> waiting = new ArrayList<>();
        for (Pending p : docs) {
            if (p.waitsForVectors()) {
                waiting.add(p);
            }
        }
        CompletableFuture<Outcome> outcome;
        if (waiting.isEmpty()) {
            outcome = CompletableFuture.completedFuture(new Outcome(Map.of(), Map.of()));
        } else {
            outcome = new CompletableFuture<>();
            CompletableFuture<Outcome> result = outcome;
            calls.execute(() -> {
                try {
                    Map<String, float[]> fresh = new HashMap<>();
                    Map<Pending, String> failed = new IdentityHashMap<>();
                    embedGroup(waiting, fresh, failed);
                    result.complete(new Outcome(fresh, failed));
                } catch (Throwable t) { // an Error too: the task thread rethrows it
                    result.completeExceptionally(t);
                }
            });
            outcome.whenComplete((ignored, failure) -> {
                try {
                    mailbox.execute(this::emitDone, "embedded batch of %d documents", waiting.size());
                } catch (RejectedExecutionException closing) {
                    // the task is closing; its batches in flight are dropped and replayed from the last checkpoint
                }
            });
        }
        inFlight.add(new Batch(docs, waiting, outcome));
        emitDone(); // a batch with nothing to embed may leave at once, when nothing is ahead of it
    }

    /**
     * Emits the batches at the head of the queue whose model calls are done, in flush order, and
     * rethrows a batch's failure (transient failures out of retries, a model at fault, an Error).
     */
    private void emitDone() throws Exception {
        while (!inFlight.isEmpty() && inFlight.peek().outcome().isDone()) {
            Batch batch = inFlight.poll();
            Outcome outcome;
            try {
                outcome = batch.outcome().join();
            } catch (CompletionException e) {
                throw rethrowable(e.getCause());
            }
            emit(batch, outcome);
        }
    }

    private static Exception rethrowable(Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        return failure instanceof Exception e ? e : new IllegalStateException(failure);
    }

    /** Judges the model by the batch's failures, then emits its documents in arrival order and dead-letters those at fault. */
    private void emit(Batch batch, Outcome outcome) throws Exception {
        Map<String, float[]> fresh = outcome.fresh();
        Map<Pending, String> failed = outcome.failed();
        if (!batch.waiting().isEmpty()) {
            judgeModel(batch.waiting(), failed);
        }
        Set<String> counted = new HashSet<>();
        for (Pending p : batch.docs()) {
            String reason = failed.get(p);
            if (reason != null) {
                deadLetter(p, reason);
                continue;
            }
            int embeddedHere = 0;
            for (int i = 0; i < p.keys().length; i++) {
                if (p.vectors()[i] == null) {
                    p.vectors()[i] = fresh.get(p.keys()[i]);
                    if (counted.add(p.keys()[i])) {
                        embeddedHere++; // a repeat of the same content in this batch is a reuse
                    }
                }
            }
            complete(p, embeddedHere);
        }
    }

    /** Flushes the buffer and waits, running other mail, until every batch has left. */
    private void drain() throws Exception {
        flush();
        awaitInFlight();
    }

    /** Runs mail until the batches in flight have left, without flushing the buffer; for tests. */
    void awaitInFlight() throws Exception {
        while (!inFlight.isEmpty()) {
            mailbox.yield();
            emitDone();
        }
    }

    /**
     * Embeds the missing units of {@code docs} in one call; when the call fails for a reason that is
     * not transient, embeds each half apart, down to single documents, which are then at fault.
     * Vectors land in {@code fresh}, documents at fault in {@code failed} with the reason.
     */
    private void embedGroup(List<Pending> docs, Map<String, float[]> fresh, Map<Pending, String> failed) {
        Map<String, String> toEmbed = new LinkedHashMap<>();
        for (Pending p : docs) {
            for (int i = 0; i < p.keys().length; i++) {
                if (p.vectors()[i] == null && !fresh.containsKey(p.keys()[i])) {
                    toEmbed.putIfAbsent(p.keys()[i], p.doc().units().get(i).embeddingInput());
                }
            }
        }
        if (toEmbed.isEmpty()) {
            return;
        }
        List<float[]> vectors;
        try {
            vectors = embedRetryingTransient(new ArrayList<>(toEmbed.values()));
        } catch (RuntimeException e) {
            if (isTransient(e) || isInterruption(e)) {
                throw e;
            }
            if (docs.size() == 1) {
                failed.put(docs.get(0), describe(e));
                return;
            }
            int half = docs.size() / 2;
            embedGroup(docs.subList(0, half), fresh, failed);
            embedGroup(docs.subList(half, docs.size()), fresh, failed);
            return;
        }
        Set<String> nonFinite = new HashSet<>();
        int i = 0;
        for (String key : toEmbed.keySet()) {
            float[] v = vectors.get(i++);
            if (isFinite(v)) {
                fresh.put(key, v);
            } else {
                nonFinite.add(key);
            }
        }
        if (nonFinite.isEmpty()) {
            return;
        }
        for (Pending p : docs) {
            for (int u = 0; u < p.keys().length; u++) {
                if (p.vectors()[u] == null && nonFinite.contains(p.keys()[u])) {
                    failed.putIfAbsent(p, "the model returned a vector with NaN or infinite values for unit '"
                            + p.doc().units().get(u).unitId() + "'");
                    break;
                }
            }
        }
    }

    /** One model call, retried with exponential backoff while it fails transiently. */
    private List<float[]> embedRetryingTransient(List<String> texts) {
        for (int attempt = 1; ; attempt++) {
            try {
                List<float[]> vectors = embedder.embedDocuments(texts);
                if (vectors == null || vectors.size() != texts.size()) {
                    throw new IllegalStateException("the model returned " + (vectors == null ? 0 : vectors.size()) + " vectors for "
                            + texts.size() + " texts");
                }
                return vectors;
            } catch (RuntimeException e) {
                if (!isTransient(e) || attempt >= transientAttempts) {
                    throw e;
                }
                long wait = Math.min(MAX_BACKOFF_MILLIS, transientBackoffMillis << Math.min(attempt - 1, 20));
                LOG.warn("Embedding {} texts failed transiently ({}); attempt {} of {} in {} ms", texts.size(), describe(e),
                        attempt + 1, transientAttempts, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting to retry an embedding call", interrupted);
                }
            }
        }
    }

    /**
     * Fails the task when the failures say the model, not the records, is at fault: every document
     * of a bisected batch failed alone, or too many failed in a row.
     */
    private void judgeModel(List<Pending> waiting, Map<Pending, String> failed) {
        if (failed.isEmpty()) {
            consecutiveFailures = 0;
            return;
        }
        if (waiting.size() >= MIN_BATCH_TO_JUDGE && failed.size() == waiting.size()) {
            throw new IllegalStateException(String.format(
                    "the model failed on every one of %d documents, each alone: the model is at fault, not the records; first: %s",
                    waiting.size(), failed.get(waiting.get(0))));
        }
        for (Pending p : waiting) {
            String reason = failed.get(p);
            if (reason == null) {
                consecutiveFailures = 0;
            } else if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                throw new IllegalStateException(String.format(
                        "the model failed on %d documents in a row with none succeeding: the model is at fault, not the records; last: %s",
                        consecutiveFailures, reason));
            }
        }
    }

    private void deadLetter(Pending p, String reason) {
        SplitDocument doc = p.doc();
        DeadLetter letter = DeadLetter.of(doc.origin(), doc.docId(), DeadLetter.Stage.EMBED, "cannot embed '" + doc.docId() + "': " + reason);
        deadLettered.inc();
        deadLetterCount.add(1L);
        LOG.warn("Dead-lettered {} at embed: {}", letter.origin().describe(), letter.reason());
        output.collect(DEAD_LETTERS, p.hasTimestamp() ? new StreamRecord<>(letter, p.timestamp()) : new StreamRecord<>(letter));
    }

    /**
     * Whether {@code failure} says nothing about the texts: a {@link TransientEmbeddingException}
     * (a remote server's timeouts, connection errors, 408/429/5xx after its own retries), or a
     * timeout or connection error anywhere in its causes.
     */
    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransientEmbeddingException
                    || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.ConnectException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInterruption(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    private static boolean isFinite(float[] v) {
        if (v == null || v.length == 0) {
            return false;
        }
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Records the document's vectors for reuse (only this version's, so state does not grow) and
     * emits it.
     *
     * @param embedded how many of its units were run through the model; the others were reused
     */
    private void complete(Pending p, int embedded) throws Exception {
        SplitDocument doc = p.doc();
        setCurrentKey(doc.docId());
        storedVectors.clear();
        EmbeddedDocument out;
        if (doc.deleted()) {
            out = EmbeddedDocument.delete(doc.docId());
        } else {
            List<EmbeddedUnit> units = new ArrayList<>(p.keys().length);
            Map<String, float[]> keep = new HashMap<>(p.keys().length * 2);
            for (int i = 0; i < p.keys().length; i++) {
                units.add(new EmbeddedUnit(doc.units().get(i), p.vectors()[i]));
                keep.put(p.keys()[i], p.vectors()[i]);
            }
            storedVectors.putAll(keep);
            out = new EmbeddedDocument(doc.docId(), doc.updatedMillis(), false, units, doc.origin());
        }
        unitsEmbedded.inc(embedded);
        unitsReused.inc(p.keys().length - embedded);
        output.collect(p.hasTimestamp() ? new StreamRecord<>(out, p.timestamp()) : new StreamRecord<>(out));
    }

    /** Units run through the model so far (the {@code semdexUnitsEmbedded} counter). */
    long unitsEmbedded() {
        return unitsEmbedded.getCount();
    }

    /** Units that got a stored or shared vector so far (the {@code semdexUnitsReused} counter). */
    long unitsReused() {
        return unitsReused.getCount();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        drain(); // everything that arrived before the barrier leaves before it: no model call spans a checkpoint
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        drain(); // buffered documents must not become late behind the watermark
        super.processWatermark(mark);
    }

    @Override
    public void endInput() throws Exception {
        drain();
    }

    @Override
    public void finish() throws Exception {
        drain();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (calls != null) {
                calls.shutdownNow(); // batches in flight are dropped: their records replay from the last checkpoint
                // A call inside the model cannot be interrupted; the model is released only after it returns.
                if (!calls.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("A model call of {} is still running {} s after the task closed", getRuntimeContext().getTaskInfo()
                            .getTaskNameWithSubtasks(), CLOSE_WAIT_SECONDS);
                }
            }
            if (embedder != null) {
                embedder.close();
            }
        } finally {
            if (gpu != null) {
                gpu.close();
            }
            super.close();
        }
    }
}
