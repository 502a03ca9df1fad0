package io.semdex.embed;

import io.semdex.core.ContentHash;
import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.Lane;
import io.semdex.core.LastWriteWins;
import io.semdex.core.SplitDocument;
import io.semdex.core.StoredVectors;
import io.semdex.core.Unit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink stage that embeds documents: {@link SplitDocument} in on two inputs, the bulk lane
 * (first) and the interactive lane (second), both keyed by document id; {@link EmbeddedDocument}
 * out. One model instance per subtask, opened in {@link #open()} on a GPU of the TaskManager's Flink
 * GPU resource that no other subtask of this TaskManager uses, when there is one free
 * ({@link TaskManagerGpus}).
 *
 * <p><b>Lanes.</b> Where the lanes meet, {@link LastWriteWins} decides which change of a document
 * is its newest: a change the other lane made obsolete before it arrived is dropped (counted in
 * {@code semdexStaleIgnored}). Work is queued by {@link CallScheduler}: model calls of one batch of
 * the model's own size, the interactive lane's always first and on a worker of their own (on the
 * model's {@linkplain Embedder#interactive() interactive} capacity), so an interactive document does
 * not wait for the bulk calls running when it comes. The bulk lane's backlog is bounded by
 * {@link QueuePolicy}; when it is full, reading the bulk input waits, inside its record, until the
 * model takes the next call, which is the bulk lane's backpressure; every mail of the task runs
 * meanwhile, checkpoint barriers' included. Flink alternates between the inputs of a two-input
 * operator that has data on both once it is made to choose again after a wait, so an interactive
 * document in its input buffer waits for about one bulk call. Flink's {@code InputSelectable},
 * which would let the operator read only the interactive input while the bulk backlog is full,
 * cannot be used: Flink refuses to checkpoint a job with such an operator ("Checkpointing is
 * currently not supported for operators that implement InputSelectable",
 * {@code StreamingJobGraphGenerator}), and it asks for the selection again only after an input event.
 *
 * <p><b>Checkpoints do not wait for the model.</b> A document leaves when the last call holding its
 * units ends, in any order across documents; versions of one document never overtake each other,
 * because a version that a newer one superseded while it waited is dropped instead of emitted. At a
 * checkpoint, every document taken in and not yet emitted (waiting, or in a call) is written to
 * operator state, and on restore it is queued again before any input is read, as Flink's
 * {@code AsyncWaitOperator} keeps its in-flight elements. So a barrier passes at once, batches run
 * across it, and exactly-once holds: a document is in the sink's commit of a checkpoint if it left
 * before the barrier, else in this operator's state of the same checkpoint. The state is a union
 * list filtered by key group on restore, so it follows the keys.
 *
 * <p>Model calls do not stall the task thread: they run on the operator's own worker threads, as
 * many as the model has workers and one for the interactive lane, which take calls from the scheduler
 * and hand results back through Flink's {@link MailboxExecutor}, so state access, dead letters and
 * output stay on the task thread.
 *
 * <p>Unchanged units are not embedded again: each unit leaves with its vector key (its content and
 * the model's {@link EmbedderSpec#fingerprint() fingerprint}, hashed), the index stores it, and a
 * document that comes again looks its units up in {@link StoredVectors} (the shard this subtask's sink
 * writes, as of its newest commit, refreshed after each checkpoint). Editing one paragraph of a re-sent
 * document costs one paragraph of model time. The vectors are not kept in the job's state, so a
 * checkpoint does not copy the corpus's vectors and the job's memory does not grow with them. The
 * counters {@code semdexUnitsEmbedded} and {@code semdexUnitsReused} say how many units took which road.
 *
 * <p>A failing call is judged by {@link FailurePolicy}: a document at fault goes to the
 * {@link #DEAD_LETTERS} side output with stage {@code embed} (counted in the accumulator
 * {@code semdex.dead-letters.embed}); transient failures are retried within a time budget; the
 * environment's failures (credentials, model, a model failing on everything) fail the task with the
 * cause, which also goes to the {@link FailureReport} when one is given.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<EmbeddedDocument> embedded = EmbedOperator.embed(
 *         bulk.keyBy(SplitDocument::docId), interactive.keyBy(SplitDocument::docId),
 *         EmbedderSpec.parse("bge-small-zh-v1.5"), null, null, null);
 * }</pre>
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddedDocument>
        implements TwoInputStreamOperator<SplitDocument, SplitDocument, EmbeddedDocument>, BoundedMultiInput {

    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedOperator.class);
    /**
     * Keyed state of earlier versions, which kept every document's unit vectors: as bytes, and before that as
     * {@code float[]}. Emptied when a job resumes from such a checkpoint; the vectors are read from the index now.
     */
    static final Map<String, TypeInformation<?>> EARLIER_VECTOR_STATES = Map.of(
            "unit-vector-bytes", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
            "unit-vectors", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);

    /** Documents the model failed on, as dead letters with stage {@code embed}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters-embed", TypeInformation.of(DeadLetter.class));

    /** Accumulator: documents this attempt's subtasks took back from the checkpoint they were restored from. */
    public static final String REQUEUED = "semdex.embed.requeued-from-checkpoint";
    /** Accumulator: units run through the model (the counter {@code semdexUnitsEmbedded}, for the job's client). */
    public static final String UNITS_EMBEDDED = "semdex.embed.units-embedded";
    /** Accumulator: units whose vector was reused (the counter {@code semdexUnitsReused}, for the job's client). */
    public static final String UNITS_REUSED = "semdex.embed.units-reused";

    /** How long closing waits for a model call in flight before it releases the model anyway. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    /**
     * Set in the Flink configuration of a TaskManager whose JVM also serves queries (the embedded
     * stack): the embed tasks then open their model with {@link EmbedderFactory#openShared(Slot)}, which
     * for a spec is the instance {@link SharedEmbedders} holds, so one instance serves the job and the
     * query service.
     */
    public static final ConfigOption<Boolean> SHARE_MODEL = ConfigOptions.key("semdex.embed.share-model")
            .booleanType()
            .defaultValue(false)
            .withDescription("Embed tasks take their model from the JVM's shared embedders (same JVM as the query service).");

    private final EmbedderFactory factory;
    /** As given, or null to take the factory's own in {@link #open()}. */
    private final String fingerprint;
    private final QueuePolicy queuePolicy;
    private final FailurePolicy failurePolicy;
    private final FailureReport report;
    private final StoredVectors stored;

    private transient Embedder embedder;
    /** The fingerprint in force: the one given, or the factory's, read where the model file is. */
    private transient String modelFingerprint;
    private transient TaskManagerGpus.Lease gpu;
    /** This subtask's view of {@link #stored}. */
    private transient StoredVectors.View storedVectors;
    private transient ValueState<LastWriteWins.Seen> seen;
    /** Documents taken in and not yet emitted, as of the last snapshot (union list, filtered by key group on restore). */
    private transient ListState<byte[]> heldState;
    private transient List<Held> restored;
    private transient CallScheduler<Pending> scheduler;
    /** Documents taken in and not yet emitted, in the order they came. */
    private transient LinkedHashMap<Long, Pending> pending;
    /** Per document id with versions pending: the newest version's sequence and how many are pending. */
    private transient Map<String, long[]> versions;
    private transient long nextSequence;
    private transient boolean[] inputEnded;
    private transient boolean reportedHealthy;
    private transient Counter unitsEmbedded;
    private transient Counter unitsReused;
    private transient Counter deadLettered;
    private transient Counter staleIgnored;
    private transient Counter superseded;
    private transient LongCounter deadLetterCount;
    private transient LongCounter unitsEmbeddedCount;
    private transient LongCounter unitsReusedCount;
    private transient MailboxExecutor mailbox;
    /** The task's mailbox at its lowest priority: yielding to it runs every mail, checkpoint barriers' included. */
    private transient MailboxExecutor anyMail;
    /** The model's worker threads: each takes the next call from the scheduler. */
    private transient ExecutorService workers;

    /**
     * @param fingerprint what a stored vector depends on besides the text; stored vectors made under
     *     another fingerprint (another model file, server, dimension count, prefix) are never reused.
     *     Null when {@code factory} {@link EmbedderFactory#fingerprintsItself() fingerprints itself} (an
     *     {@link EmbedderSpec}): its {@link EmbedderFactory#fingerprint()} is then taken in the task, where
     *     the model file is (a cluster's client may not have it)
     * @param queuePolicy how much of the bulk lane to take in, or null for the default of the device the model opens on
     * @param failurePolicy how failing calls are judged, or null for the default retry budget
     * @param report where environment failures are reported besides the log, or null
     * @param stored where the vectors of units that come again unchanged are found, or null for nowhere
     */
    public EmbedOperator(EmbedderFactory factory, String fingerprint, QueuePolicy queuePolicy, FailurePolicy failurePolicy,
            FailureReport report, StoredVectors stored) {
        this.factory = Objects.requireNonNull(factory, "factory");
        if (fingerprint == null && !factory.fingerprintsItself()) {
            throw new IllegalArgumentException("a fingerprint is needed for a " + factory.getClass().getSimpleName()
                    + ", which does not fingerprint its model itself");
        }
        this.fingerprint = fingerprint;
        this.queuePolicy = queuePolicy;
        this.failurePolicy = failurePolicy != null ? failurePolicy
                : new FailurePolicy(FailurePolicy.DEFAULT_RETRY_BUDGET, java.time.Duration.ofSeconds(1));
        this.report = report;
        this.stored = stored != null ? stored : StoredVectors.NONE;
    }

    public EmbedOperator(EmbedderFactory factory, String fingerprint, QueuePolicy queuePolicy) {
        this(factory, fingerprint, queuePolicy, null, null, null);
    }

    /**
     * Adds the embedding stage for both lanes; its dead letters are
     * {@code getSideOutput(EmbedOperator.DEAD_LETTERS)} of the returned stream.
     *
     * @param fingerprint null for a factory that fingerprints its model itself (an {@link EmbedderSpec}), in the task
     * @param stored where the vectors of units that come again unchanged are found (the index), or null for nowhere
     */
    public static SingleOutputStreamOperator<EmbeddedDocument> embed(KeyedStream<SplitDocument, String> bulk,
            KeyedStream<SplitDocument, String> interactive, EmbedderFactory factory, String fingerprint, QueuePolicy queuePolicy,
            FailureReport report, StoredVectors stored) {
        return bulk.connect(interactive).transform("embed", TypeInformation.of(EmbeddedDocument.class),
                new EmbedOperator(factory, fingerprint, queuePolicy, null, report, stored));
    }

    /** The embedding stage for one stream of documents, all of the bulk lane. */
    public static SingleOutputStreamOperator<EmbeddedDocument> embed(KeyedStream<SplitDocument, String> documents, EmbedderSpec spec) {
        KeyedStream<SplitDocument, String> none = documents.filter(d -> false).name("no interactive lane").keyBy(SplitDocument::docId);
        return embed(documents, none, spec, null, null, null, null);
    }

    /**
     * One document version taken in and waiting for its missing vectors.
     *
     * @param vectors stored vectors where reused, filled from calls as they end
     */
    private record Pending(long sequence, SplitDocument doc, Lane lane, String[] keys, float[][] vectors, int toEmbed,
            boolean hasTimestamp, long timestamp, String[] failure) {}

    /** What a checkpoint keeps of a pending document: enough to take it in again. */
    private record Held(SplitDocument doc, Lane lane, boolean hasTimestamp, long timestamp) implements java.io.Serializable {}

    @Override
    public void setMailboxExecutor(MailboxExecutor mailboxExecutor) {
        super.setMailboxExecutor(mailboxExecutor);
        this.mailbox = mailboxExecutor;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        heldState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("embed-pending", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        restored = new ArrayList<>();
        if (context.isRestored()) {
            var task = getRuntimeContext().getTaskInfo();
            for (byte[] bytes : heldState.get()) {
                Held held = InstantiationUtil.deserializeObject(bytes, getUserCodeClassloader());
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(held.doc().docId(), task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks()) == task.getIndexOfThisSubtask()) {
                    restored.add(held);
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (mailbox == null) {
            mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(getOperatorConfig().getChainIndex());
        }
        anyMail = getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        modelFingerprint = fingerprint != null ? fingerprint : factory.fingerprint();
        dropEarlierVectorState();
        storedVectors = stored.open(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        seen = getRuntimeContext().getState(new ValueStateDescriptor<>("last-write", LastWriteWins.Seen.class));
        unitsEmbedded = getMetricGroup().counter("semdexUnitsEmbedded");
        unitsReused = getMetricGroup().counter("semdexUnitsReused");
        deadLettered = getMetricGroup().counter("semdexDeadLettered");
        staleIgnored = getMetricGroup().counter("semdexStaleIgnored");
        superseded = getMetricGroup().counter("semdexSuperseded");
        deadLetterCount = getRuntimeContext().getLongCounter(DeadLetter.Stage.EMBED.accumulatorName());
        unitsEmbeddedCount = getRuntimeContext().getLongCounter(UNITS_EMBEDDED);
        unitsReusedCount = getRuntimeContext().getLongCounter(UNITS_REUSED);
        pending = new LinkedHashMap<>();
        versions = new HashMap<>();
        inputEnded = new boolean[2];
        openModel();
        QueuePolicy queue = queuePolicy != null ? queuePolicy : QueuePolicy.defaultFor(embedder.info());
        int threads = Math.max(1, embedder.workers());
        scheduler = new CallScheduler<>(embedder.batching(), queue.bulkUnits(), threads);
        String subtask = getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks();
        workers = Executors.newFixedThreadPool(threads + 1, runnable -> {
            Thread thread = new Thread(runnable, "semdex-embed-calls " + subtask);
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < threads; i++) {
            workers.execute(() -> runCalls(scheduler::take, embedder));
        }
        // One more for the interactive lane alone, on the model's interactive capacity: a single write does not
        // wait for the bulk calls running when it comes.
        Embedder interactiveModel = embedder.interactive();
        workers.execute(() -> runCalls(scheduler::takeInteractive, interactiveModel));
        // Documents a checkpoint held go first, in the order they came, before any input is read.
        for (Held held : restored) {
            setCurrentKey(held.doc().docId());
            takeIn(held.doc(), held.lane(), held.hasTimestamp(), held.timestamp());
        }
        getRuntimeContext().getLongCounter(REQUEUED).add((long) restored.size());
        if (!restored.isEmpty()) {
            LOG.info("{} queued again {} documents its checkpoint held", subtask, restored.size());
        }
        restored = null;
    }

    /**
     * Empties the keyed state in which earlier versions kept every document's vectors, when the job resumes from
     * one of their checkpoints: left as it is, it would be written at every checkpoint for ever. Nothing is lost:
     * the units those vectors belong to are in the index, which is where they are reused from now.
     */
    private void dropEarlierVectorState() throws Exception {
        for (Map.Entry<String, TypeInformation<?>> state : EARLIER_VECTOR_STATES.entrySet()) {
            String name = state.getKey();
            List<String> documents;
            try (var keys = getKeyedStateBackend().<VoidNamespace>getKeys(name, VoidNamespace.INSTANCE)) {
                documents = keys.map(Object::toString).toList();
            }
            if (documents.isEmpty()) {
                continue;
            }
            MapState<String, ?> earlier = getRuntimeContext().getMapState(new MapStateDescriptor<>(name, Types.STRING, state.getValue()));
            for (String document : documents) {
                setCurrentKey(document);
                earlier.clear();
            }
            LOG.info("{} dropped the vectors of {} documents from the job's state (\"{}\", an earlier version's): they are reused "
                    + "from the index now", getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(), documents.size(), name);
        }
    }

    private void openModel() {
        // Every slot of a TaskManager sees all of its GPUs; each subtask leases one of its own.
        List<String> gpus = gpuIndices();
        gpu = gpus.isEmpty() ? null : TaskManagerGpus.acquire(gpus);
        Slot slot = new Slot(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), gpu == null ? List.of() : List.of(gpu.index()));
        boolean share = getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration().get(SHARE_MODEL);
        try {
            embedder = share ? factory.openShared(slot) : factory.open(slot);
        } catch (RuntimeException e) {
            if (report != null) {
                report.failed(FailurePolicy.Blame.ENVIRONMENT, "cannot open the embedding model: " + FailurePolicy.describe(e));
            }
            throw e;
        }
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
    public void processElement1(StreamRecord<SplitDocument> element) throws Exception {
        admit(element, Lane.BULK);
        // The bulk lane's backpressure: its input is not read again until the model takes the next call. Every
        // mail runs meanwhile, a checkpoint barrier's too: this element is admitted and held in state, so a
        // barrier need not wait for a model call to end (the operator's own mailbox would keep it out).
        long takenBefore = scheduler.bulkCallsTaken();
        boolean waited = false;
        while (scheduler.bulkMustWait(takenBefore)) {
            anyMail.yield();
            waited = true;
        }
        if (waited) {
            // Flink reads on through a network buffer's records while no mail is queued: this mail ends that run, so
            // it chooses its input again, and an interactive document that came during the wait is read after at most
            // one more bulk record (Flink looks at the other input's data just after it chooses).
            mailbox.execute(() -> {}, "the bulk input waited");
        }
    }

    @Override
    public void processElement2(StreamRecord<SplitDocument> element) throws Exception {
        admit(element, Lane.INTERACTIVE);
        while (scheduler.interactiveFull()) { // only a flood: single writes never wait here
            anyMail.yield();
        }
    }

    /** Judges the change against its document's last one on either lane, and takes it in when it is the newest. */
    private void admit(StreamRecord<SplitDocument> element, Lane lane) throws Exception {
        SplitDocument doc = element.getValue();
        long acceptedAt = doc.origin() != null ? doc.origin().timestamp() : 0;
        LastWriteWins.Write write = new LastWriteWins.Write(lane, acceptedAt);
        LastWriteWins.Seen last = seen.value();
        LastWriteWins.Verdict verdict = LastWriteWins.judge(last, write);
        if (verdict != LastWriteWins.Verdict.APPLY) {
            staleIgnored.inc();
            LOG.debug("Ignored a {} change of '{}' accepted at {}: {} (last: {})", lane.label(), doc.docId(), acceptedAt, verdict, last);
            return;
        }
        seen.update(LastWriteWins.admit(last, write));
        // Keep the timestamp, not the record: the runtime may reuse record objects.
        takeIn(doc, lane, element.hasTimestamp(), element.getTimestamp());
    }

    /** Queues the document's missing units for the model, or emits it at once when it has none; keyed by its id. */
    private void takeIn(SplitDocument doc, Lane lane, boolean hasTimestamp, long timestamp) throws Exception {
        List<Unit> units = doc.units();
        Map<String, float[]> reusable = units.isEmpty() ? Map.of() : storedVectors.vectors(doc.docId());
        String[] keys = new String[units.size()];
        float[][] vectors = new float[units.size()][];
        List<CallScheduler.Part> parts = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < keys.length; i++) {
            String input = units.get(i).embeddingInput();
            keys[i] = ContentHash.of(modelFingerprint, input); // exactly what the model reads: any change re-embeds
            vectors[i] = reusable.get(keys[i]);
            if (vectors[i] == null) {
                parts.add(new CallScheduler.Part(i, keys[i], input, embedder.countTokens(embedder.preset().documentText(input))));
                distinct.add(keys[i]);
            }
        }
        Pending p = new Pending(nextSequence++, doc, lane, keys, vectors, distinct.size(), hasTimestamp, timestamp, new String[1]);
        long[] pendingVersions = versions.get(doc.docId());
        if (pendingVersions != null) {
            pendingVersions[0] = p.sequence(); // older versions still waiting are superseded: they will not be emitted
        }
        if (parts.isEmpty()) {
            // Nothing to compute: a delete or an unchanged re-send goes straight through.
            complete(p);
            return;
        }
        if (pendingVersions == null) {
            versions.put(doc.docId(), new long[] {p.sequence(), 1});
        } else {
            pendingVersions[1]++;
        }
        pending.put(p.sequence(), p);
        scheduler.add(p, lane, parts);
    }

    /** The calls a worker takes: all of them, or the interactive lane's only. */
    private interface CallSource {
        CallScheduler.Call<Pending> take() throws InterruptedException;
    }

    /** A worker thread: runs the calls {@code source} hands out on {@code model}, until the scheduler is closed. */
    private void runCalls(CallSource source, Embedder model) {
        try {
            CallScheduler.Call<Pending> call;
            while ((call = source.take()) != null) {
                if (call.lane() == Lane.BULK) {
                    // The bulk input may be waiting for this: a mail wakes its wait now, not when the next call ends.
                    mailbox.execute(() -> {}, "a bulk call taken");
                }
                List<FailurePolicy.Text<Pending>> texts = new ArrayList<>(call.units());
                for (CallScheduler.Item<Pending> item : call.items()) {
                    texts.add(new FailurePolicy.Text<>(item.owner(), item.part().key(), item.part().text()));
                }
                FailurePolicy.Outcome<Pending> outcome = null;
                Throwable failure = null;
                try {
                    outcome = failurePolicy.embed(texts, model::embedDocuments);
                } catch (Throwable t) { // an Error too: the task thread rethrows it
                    failure = t;
                    scheduler.close(); // the task fails with it: no further call starts
                }
                CallScheduler.Call<Pending> done = call;
                FailurePolicy.Outcome<Pending> result = outcome;
                Throwable error = failure;
                mailbox.execute(() -> ended(done, result, error), "embedded %d units", call.units());
            }
        } catch (InterruptedException | RejectedExecutionException closing) {
            // the task is closing; the calls in flight are dropped, and their documents come back from the last checkpoint
        }
    }

    /** On the task thread: a call ended; fills its documents' vectors and lets out those that are complete. */
    private void ended(CallScheduler.Call<Pending> call, FailurePolicy.Outcome<Pending> outcome, Throwable failure) throws Exception {
        if (failure != null) {
            throw failTask(failure);
        }
        List<Pending> owners = new ArrayList<>();
        Set<Pending> counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (CallScheduler.Item<Pending> item : call.items()) {
            if (counted.add(item.owner())) {
                owners.add(item.owner());
            }
        }
        try {
            failurePolicy.judge(owners, outcome.failed());
        } catch (FailurePolicy.EmbeddingFailure e) {
            throw failTask(e);
        }
        if (!reportedHealthy && outcome.failed().size() < owners.size()) {
            reportedHealthy = true;
            if (report != null) {
                report.cleared();
            }
        }
        for (CallScheduler.Item<Pending> item : call.items()) {
            Pending p = item.owner();
            String reason = outcome.failed().get(p);
            if (reason != null) {
                p.failure()[0] = p.failure()[0] == null ? reason : p.failure()[0];
            } else {
                p.vectors()[item.part().index()] = outcome.vectors().get(item.part().key());
            }
        }
        for (Pending p : scheduler.done(call)) {
            pending.remove(p.sequence());
            long[] pendingVersions = versions.get(p.doc().docId());
            boolean newest = pendingVersions[0] == p.sequence();
            if (--pendingVersions[1] == 0) {
                versions.remove(p.doc().docId());
            }
            if (p.failure()[0] != null) {
                deadLetter(p, p.failure()[0]);
            } else if (newest) {
                complete(p);
            } else {
                superseded.inc(); // a newer version of the document came in while this one waited
            }
        }
    }

    /** Says why the task fails, in the log and to the report, and returns what to throw. */
    private Exception failTask(Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        FailurePolicy.Blame blame = FailurePolicy.blame(failure);
        String cause = FailurePolicy.describe(failure);
        LOG.error("The embed stage of {} stops: {} ({} failure: no document is blamed)", getRuntimeContext().getTaskInfo()
                .getTaskNameWithSubtasks(), cause, blame.name().toLowerCase(java.util.Locale.ROOT));
        if (report != null) {
            report.failed(blame, cause);
        }
        return failure instanceof Exception e ? e : new IllegalStateException(failure);
    }

    private void deadLetter(Pending p, String reason) {
        SplitDocument doc = p.doc();
        DeadLetter letter = DeadLetter.of(doc.origin(), doc.docId(), DeadLetter.Stage.EMBED, "cannot embed '" + doc.docId() + "': " + reason);
        deadLettered.inc();
        deadLetterCount.add(1L);
        LOG.warn("Dead-lettered {} at embed: {}", letter.origin().describe(), letter.reason());
        output.collect(DEAD_LETTERS, p.hasTimestamp() ? new StreamRecord<>(letter, p.timestamp()) : new StreamRecord<>(letter));
    }

    /** Emits the document, each unit with its vector key, under which the index keeps the vector for reuse. */
    private void complete(Pending p) throws Exception {
        SplitDocument doc = p.doc();
        EmbeddedDocument out;
        if (doc.deleted()) {
            out = EmbeddedDocument.delete(doc.docId());
        } else {
            List<EmbeddedUnit> units = new ArrayList<>(p.keys().length);
            for (int i = 0; i < p.keys().length; i++) {
                units.add(new EmbeddedUnit(doc.units().get(i), p.vectors()[i], p.keys()[i]));
            }
            out = new EmbeddedDocument(doc.docId(), doc.updatedMillis(), false, units, doc.origin());
        }
        unitsEmbedded.inc(p.toEmbed());
        unitsReused.inc(p.keys().length - p.toEmbed());
        unitsEmbeddedCount.add((long) p.toEmbed());
        unitsReusedCount.add((long) (p.keys().length - p.toEmbed()));
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

    /** Changes dropped because a newer one of their document had been taken in (the {@code semdexStaleIgnored} counter). */
    long staleIgnored() {
        return staleIgnored.getCount();
    }

    /** Documents taken in and not yet emitted. */
    int pendingDocuments() {
        return pending.size();
    }

    /** Runs mail until every document taken in has left. */
    void awaitPending() throws Exception {
        while (!pending.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        long start = System.nanoTime();
        List<byte[]> held = new ArrayList<>(pending.size());
        for (Pending p : pending.values()) {
            // Only the newest version of each document: an older one still in a call is never emitted here, and
            // held as well it would be queued again on restore with nothing newer beside it, and emitted over the
            // delete or update that superseded it (which left before this barrier, so no input brings it back).
            if (versions.get(p.doc().docId())[0] == p.sequence()) {
                held.add(InstantiationUtil.serializeObject(new Held(p.doc(), p.lane(), p.hasTimestamp(), p.timestamp())));
            }
        }
        heldState.update(held);
        LOG.debug("Checkpoint {}: held {} of {} pending documents in {} ms", context.getCheckpointId(), held.size(), pending.size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        // The sink commits the shard for this checkpoint: what it wrote becomes reusable.
        storedVectors.refresh();
    }

    @Override
    public void endInput(int inputId) throws Exception {
        inputEnded[inputId - 1] = true;
        if (inputEnded[0] && inputEnded[1]) {
            awaitPending();
        }
    }

    @Override
    public void finish() throws Exception {
        awaitPending();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (scheduler != null) {
                scheduler.close();
            }
            if (workers != null) {
                workers.shutdownNow(); // calls in flight are dropped: their documents come back from the last checkpoint
                // A call inside the model cannot be interrupted; the model is released only after it returns.
                if (!workers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("A model call of {} is still running {} s after the task closed", getRuntimeContext().getTaskInfo()
                            .getTaskNameWithSubtasks(), CLOSE_WAIT_SECONDS);
                }
            }
            if (embedder != null) {
                embedder.close();
            }
            if (storedVectors != null) {
                storedVectors.close();
            }
        } finally {
            if (gpu != null) {
                gpu.close();
            }
            super.close();
        }
    }
}
